"""Kata: a chat server that a slow client cannot stall.

A chat server relays every line one client sends to all the others. The naive way, for each other client,
`writer.write(line)` then `await writer.drain()`, has the sender's handler wait for the slowest reader: one
client that stops reading (a laptop lid closed, a phone in a tunnel) and the whole room stalls behind it. Not
waiting at all is no better: `writer.write()` never refuses data, so the server keeps every undelivered line of
that client in memory, for ever.

The way out is a small outbox per client. Delivering a line puts it in the recipient's outbox, which never
waits. Each client has its own task that hands lines from its outbox to its transport whenever the transport
will take them: `await writer.drain()` returns once the transport's buffer has room (its writing is not paused).
A client whose outbox grows past its limit is too slow to keep: abort its connection (`transport.abort()`: no
goodbye, no flushing of what it never read), drop its lines, and the room goes on.

A server that stops must leave nothing behind: every connection closed, every task it started ended. Keep a
record of what you start.
"""


class ChatServer:
    """What `start_chat` returns: the running chat server.

    Contract:
    - `.port` is the port the server listens on.
    - `await server.aclose()`: stop accepting, disconnect every client (named or not), and return only once
      every connection is closed and every task the server started has ended. `Server.wait_closed()` waits for
      the connections only from Python 3.12 on, and never for tasks of your own: keep a record of them.

    Example:
        server = await start_chat()
        ...
        await server.aclose()  # every client's connection is closed by now

    Worth reading: Server.close and Server.wait_closed
    (https://docs.python.org/3/library/asyncio-eventloop.html#asyncio.Server).
    """

    port: int

    async def aclose(self) -> None:
        """Stop accepting, disconnect every client, and return only once every connection is closed and every
        task the server started has ended."""
        raise NotImplementedError


async def start_chat(host="127.0.0.1", port=0, *, outbox: int = 100) -> ChatServer:
    """Start a TCP chat server on `host`:`port` and return a `ChatServer` for it, already serving.

    Contract:
    - Return as soon as the server listens (do not wait for it to stop). `.port` is the port it listens on
      (port 0 lets the system choose one). An address that cannot be used: the OSError propagates.
    - A client's first line is its name. Every later line it sends is delivered to every other client that has
      already sent its name (at the moment the line is delivered), as `f"{name}: {text}\\n"`, in the order that
      client sent them, and never back to the sender. Clients receive nothing else: no join or leave notices.
    - A line ends at `b"\\n"`; a `"\\r"` is part of the text; empty lines are delivered; bytes after the last
      `"\\n"` (when the client closes) are dropped; bytes that are not valid UTF-8 are decoded with
      `errors="replace"`. Lines (names too) are at most 32 KiB.
    - A client that does not read cannot slow the others. A line waits for a client from when it is accepted
      for that client until it is handed to its transport, which happens only while the transport's writing is
      not paused (`await writer.drain()` returns once it is not). When more than `outbox` lines wait for one
      client, that client is disconnected: its connection aborted at once (`writer.transport.abort()`), its
      waiting lines dropped.
    - A client that leaves (closes its side, so that a read returns what is left and then b"", or resets the
      connection) or is disconnected leaves nothing behind: its connection closed by the server, no task, no
      writer. No exception escapes a handler.
    - `await server.aclose()`: stop accepting, disconnect every client (named or not), and return only once every
      connection is closed and every task the server started has ended. (`Server.wait_closed()` waits for the
      connections only from Python 3.12 on, and never for tasks of your own.)

    Example:
        server = await start_chat(outbox=10)
        ann = await asyncio.open_connection("127.0.0.1", server.port)
        bob = await asyncio.open_connection("127.0.0.1", server.port)
        ann[1].write(b"ann\\n")
        bob[1].write(b"bob\\n")
        ...                                  # once both names have arrived
        ann[1].write(b"hi, bob\\n")
        await bob[0].readline()              # -> b"ann: hi, bob\\n"
        await server.aclose()

    Worth reading: asyncio.start_server, StreamWriter.drain and WriteTransport.abort
    (https://docs.python.org/3/library/asyncio-stream.html, https://docs.python.org/3/library/asyncio-protocol.html),
    and flow control with pause_writing / resume_writing (same page).
    """
    raise NotImplementedError
