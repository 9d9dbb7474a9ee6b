"""A bounded asyncio.Queue per client (put_nowait: QueueFull disconnects), and a TaskGroup per client for its sender."""

import asyncio
import contextlib


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
                            self.broadcast(writer, f"{name}: {text}\n".encode())
                    except ConnectionError:  # inside the group: a TaskGroup would wrap it in an ExceptionGroup
                        pass
                    finally:
                        self.queues.pop(writer, None)
                        sender.cancel()
        except ConnectionError:
            pass
        finally:
            writer.transport.abort()
            self.writers.discard(writer)
            self.handlers.discard(asyncio.current_task())

    def broadcast(self, source, line: bytes) -> None:
        for writer, queue in list(self.queues.items()):
            if writer is source:
                continue
            try:
                queue.put_nowait(line)
            except asyncio.QueueFull:  # a line more than `outbox` would wait: too slow
                del self.queues[writer]
                writer.transport.abort()

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
