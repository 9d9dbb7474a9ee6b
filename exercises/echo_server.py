"""Kata: an echo server with streams.

`await asyncio.start_server(handle, host, port)` listens for TCP connections and returns an `asyncio.Server`,
already serving. For every client that connects, it calls `handle(reader, writer)` in a task of its own: each
client is served by its own coroutine, all at the same time, and while one waits for its client to send more,
the others go on. A handler reads what its client sends, answers through the writer, and closes the
connection when the client is done: a read that returns `b""` (end of file) means the client has closed its
side and will send nothing more.

TCP carries a stream of bytes, not messages: a line may arrive in several pieces, and several lines in one.
`reader.readline()` gathers the pieces of one line for you.
"""


async def start_echo_server(host, port):
    """Start a TCP server on `host`:`port` that echoes every line each client sends, and return it.

    Contract:
    - Return an `asyncio.Server` that is already serving, listening on `host` and `port` (port 0 lets the
      system choose a free port: `server.sockets[0].getsockname()[1]` says which). Return it as soon as it
      listens: do not wait for it to stop (no `serve_forever()` here). If the address cannot be used (the
      port is taken), the OSError propagates.
    - For each client, send back every line it sends: a line is the bytes up to and including `b"\\n"` (up to
      16 KiB; not necessarily valid UTF-8), echoed exactly as they came, each as soon as it has arrived
      whole, and nothing of a line before its `b"\\n"` has arrived. A line may arrive in pieces, and several
      lines in one piece.
    - When the client closes its side (a read returns `b""`), send back its last partial line, without
      `b"\\n"`, as it is (if there is one), then close the connection. The handler then ends normally:
      no exception escapes it.
    - Clients are served concurrently: a client that sends half a line and stalls delays nobody else.

    Example:
        server = await start_echo_server("127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"hello\\n")
        await reader.readline()  # -> b"hello\\n"

    Worth reading: asyncio.start_server, StreamReader.readline and StreamWriter.close
    (https://docs.python.org/3/library/asyncio-stream.html).
    """
    raise NotImplementedError
