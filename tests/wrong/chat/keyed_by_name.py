"""Clients are kept in a dict by name: a second client with a name already taken replaces the first, and a line
skips every client with its sender's name."""

import asyncio
import contextlib

CAUGHT_IN = "correctness"


class ChatServer:
    port: int

    def __init__(self, outbox: int) -> None:
        self.outbox = outbox
        self.rooms: dict[str, tuple] = {}
        self.writers: set[asyncio.StreamWriter] = set()
        self.handlers: set[asyncio.Task] = set()

    async def send(self, writer, queue: asyncio.Queue) -> None:
        with contextlib.suppress(ConnectionError):
            while True:
                line = await queue.get()
                writer.write(line)
                await writer.drain()

    async def handle(self, reader, writer) -> None:
        self.handlers.add(asyncio.current_task())
        self.writers.add(writer)
        sender = None
        try:
            first = await reader.readline()
            if not first.endswith(b"\n"):
                return
            name = first[:-1].decode(errors="replace")
            queue = asyncio.Queue(self.outbox)
            self.rooms[name] = (writer, queue)
            sender = asyncio.create_task(self.send(writer, queue))
            while (line := await reader.readline()).endswith(b"\n"):
                out = f"{name}: {line[:-1].decode(errors='replace')}\n".encode()
                for other, (other_writer, other_queue) in list(self.rooms.items()):
                    if other == name:
                        continue
                    try:
                        other_queue.put_nowait(out)
                    except asyncio.QueueFull:
                        del self.rooms[other]
                        other_writer.transport.abort()
        except ConnectionError:
            pass
        finally:
            if sender is not None:
                for key, value in list(self.rooms.items()):
                    if value[1] is queue:
                        del self.rooms[key]
                sender.cancel()
                await asyncio.wait([sender])
            writer.transport.abort()
            self.writers.discard(writer)
            self.handlers.discard(asyncio.current_task())

    async def aclose(self) -> None:
        self.server.close()
        for writer in list(self.writers):
            writer.transport.abort()
        await asyncio.gather(*self.handlers, return_exceptions=True)
        await self.server.wait_closed()


async def start_chat(host="127.0.0.1", port=0, *, outbox: int = 100) -> ChatServer:
    chat = ChatServer(outbox)
    chat.server = await asyncio.start_server(chat.handle, host, port)
    chat.port = chat.server.sockets[0].getsockname()[1]
    return chat
