"""Kata: an echo client with streams.

Streams are asyncio's high-level API for the network. `await asyncio.open_connection(host, port)` connects
over TCP and gives you a pair: a `StreamReader` to read what the server sends, and a `StreamWriter` to send.
`writer.write(data)` only queues the bytes (`await writer.drain()` waits until they are on their way), and
every read is awaited: while one connection waits for its reply, the event loop runs the others, so a hundred
requests take about as long as one.

Two things trip people up. TCP carries a stream of bytes, not messages: one reply may arrive in several pieces,
so read up to the delimiter that ends it (`readline()`), not whatever a single `read()` happens to return. And
a connection is a resource: close it, then wait until it is really closed.
"""


async def echo_all(host, port, messages):
    """Send each message to the echo server at `host`:`port` on a connection of its own, all at the same
    time, and return the replies in message order.

    Contract:
    - For every message, concurrently: open a TCP connection with `asyncio.open_connection(host, port)`,
      send the message encoded as UTF-8 followed by `b"\\n"`, and read one line back (it may arrive in
      several pieces: read until its `b"\\n"`). Every connection is open and waiting for its reply before
      any reply is in: start them all before waiting for any.
    - Then close each connection and wait until it is closed (`writer.close()`, then
      `await writer.wait_closed()`), all before returning.
    - Return the replies, decoded from UTF-8, without their final `"\\n"` and with nothing else stripped
      (spaces stay), in the order of `messages`, not the order the replies arrived in. Messages never contain
      `"\\n"`; they may be empty, padded with spaces, or any unicode. No messages: return [] and connect to
      nothing.
    - A connection error (an `OSError`, such as `ConnectionRefusedError` when nothing listens on the port)
      propagates as it is, not wrapped in an ExceptionGroup. Leave no failed task behind whose exception
      nobody retrieved.

    Example:
        await echo_all("127.0.0.1", 8888, ["hello", "", " héllo wörld "])
        # -> ["hello", "", " héllo wörld "], the three connections open at the same time

    Worth reading: asyncio streams: open_connection, StreamReader.readline, StreamWriter.write, drain, close
    and wait_closed (https://docs.python.org/3/library/asyncio-stream.html).
    """
    raise NotImplementedError
