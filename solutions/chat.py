"""Reference solution: a chat server that a slow client cannot stall."""

import asyncio
import collections


class Client:
    """A named client: its writer, its outbox, and the task that hands the outbox's lines to its transport."""

    def __init__(self, name: str, writer: asyncio.StreamWriter) -> None:
        self.name = name
        self.writer = writer
        self.lines: collections.deque[bytes] = collections.deque()  # lines waiting for this client
        self.waiting = asyncio.Event()
        self.sender = asyncio.create_task(self.send_lines())

    async def send_lines(self) -> None:
        try:
            while True:
                await self.waiting.wait()
                # drain() returns once the transport's writing is not paused: only then is a line handed over.
                # The line stays in the outbox (and counts as waiting) until then.
                await self.writer.drain()
                if self.lines:  # none when the client was disconnected meanwhile
                    self.writer.write(self.lines.popleft())
                if not self.lines:
                    self.waiting.clear()
        except ConnectionError:  # the connection is gone: the client's handler cleans up
            pass


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

    def __init__(self, outbox: int) -> None:
        self.outbox = outbox
        self.clients: dict[asyncio.StreamWriter, Client] = {}  # the named ones
        self.writers: set[asyncio.StreamWriter] = set()  # every connection, named or not
        self.handlers: set[asyncio.Task] = set()
        self.closing = False
        self.server: asyncio.Server | None = None

    async def aclose(self) -> None:
        """Stop accepting, disconnect every client, and return only once every connection is closed and every
        task the server started has ended."""
        self.closing = True
        self.server.close()
        for writer in self.writers:
            writer.transport.abort()
        # Each handler sees its connection gone, cleans up after itself and ends: wait for all of them.
        await asyncio.gather(*self.handlers, return_exceptions=True)
        await self.server.wait_closed()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.handlers.add(asyncio.current_task())
        self.writers.add(writer)
        client = None
        try:
            name = await reader.readline()
            if self.closing or not name.endswith(b"\n"):
                return
            client = self.clients[writer] = Client(name[:-1].decode(errors="replace"), writer)
            # readline() returns a line with its b"\n"; at the end, the bytes left without one (dropped), or b"".
            while (line := await reader.readline()).endswith(b"\n"):
                self.deliver(client, f"{client.name}: {line[:-1].decode(errors='replace')}\n".encode())
        except ConnectionError:  # the client reset its connection: it left
            pass
        finally:
            self.clients.pop(writer, None)
            if client is not None:
                client.sender.cancel()
                await asyncio.wait([client.sender])
            writer.transport.abort()  # nothing more goes to a client that has left
            self.writers.discard(writer)
            self.handlers.discard(asyncio.current_task())

    def deliver(self, sender: Client, line: bytes) -> None:
        for client in list(self.clients.values()):
            if client is sender:
                continue
            client.lines.append(line)
            client.waiting.set()
            if len(client.lines) > self.outbox:  # too slow to keep: disconnect it at once, its lines dropped
                del self.clients[client.writer]
                client.lines.clear()
                client.writer.transport.abort()


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
    chat = ChatServer(outbox)
    chat.server = await asyncio.start_server(chat.handle, host, port)
    chat.port = chat.server.sockets[0].getsockname()[1]
    return chat
