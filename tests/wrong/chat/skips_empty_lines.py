"""Empty lines are not delivered."""

import asyncio
import collections

CAUGHT_IN = "correctness"


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
    port: int

    def __init__(self, outbox: int) -> None:
        self.outbox = outbox
        self.clients: dict[asyncio.StreamWriter, Client] = {}  # the named ones
        self.writers: set[asyncio.StreamWriter] = set()  # every connection, named or not
        self.handlers: set[asyncio.Task] = set()
        self.closing = False
        self.server: asyncio.Server | None = None

    async def aclose(self) -> None:
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
                if line == b"\n":
                    continue
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
    chat = ChatServer(outbox)
    chat.server = await asyncio.start_server(chat.handle, host, port)
    chat.port = chat.server.sockets[0].getsockname()[1]
    return chat
