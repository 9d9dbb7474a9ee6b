"""A bounded asyncio.Queue per client filled with `await queue.put()`: a full queue makes the sender wait, stalling
everyone."""

import asyncio
import contextlib

CAUGHT_IN = "concurrency"


class ChatServer:
    port: int

    def __init__(self, outbox: int) -> None:
        self.outbox = outbox
        self.queues: dict[asyncio.StreamWriter, asyncio.Queue] = {}
        self.writers: set[asyncio.StreamWriter] = set()
        self.handlers: set[asyncio.Task] = set()

    async def send(self, writer: asyncio.StreamWriter, queue: asyncio.Queue) -> None:
        # The line taken is written at once: drain() returned, so the transport is not paused.
        with contextlib.suppress(ConnectionError):
            while True:
                line = await queue.get()
                writer.write(line)
                await writer.drain()

    async def handle(self, reader, writer) -> None:
        self.handlers.add(asyncio.current_task())
        self.writers.add(writer)
        try:
            first = await reader.readline()
            if first.endswith(b"\n"):
                name = first[:-1].decode(errors="replace")
                queue = asyncio.Queue(self.outbox)
                async with asyncio.TaskGroup() as group:
                    sender = group.create_task(self.send(writer, queue))
                    self.queues[writer] = queue
                    try:
                        while True:
                            line = await reader.readline()
                            if not line.endswith(b"\n"):
                                break
                            text = line[:-1].decode(errors="replace")
                            await self.broadcast(writer, f"{name}: {text}\n".encode())
                    finally:
                        self.queues.pop(writer, None)
                        sender.cancel()
        except ConnectionError:
            pass
        finally:
            writer.transport.abort()
            self.writers.discard(writer)
            self.handlers.discard(asyncio.current_task())

    async def broadcast(self, source, line: bytes) -> None:
        for writer, queue in list(self.queues.items()):
            if writer is not source:
                await queue.put(line)

    async def aclose(self) -> None:
        self.server.close()
        for writer in list(self.writers):
            writer.transport.abort()
        while self.handlers:
            await asyncio.wait(list(self.handlers))
        await self.server.wait_closed()


async def start_chat(host="127.0.0.1", port=0, *, outbox: int = 100) -> ChatServer:
    chat = ChatServer(outbox)
    chat.server = await asyncio.start_server(chat.handle, host, port)
    chat.port = chat.server.sockets[0].getsockname()[1]
    return chat
