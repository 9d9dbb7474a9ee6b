"""The sender's handler writes each line to every other client and awaits drain() for each: one client that does not
read stalls everyone."""

import asyncio
import contextlib

CAUGHT_IN = "concurrency"


class ChatServer:
    port: int

    def __init__(self, outbox: int) -> None:
        self.outbox = outbox
        self.named: dict[asyncio.StreamWriter, str] = {}
        self.writers: set[asyncio.StreamWriter] = set()
        self.handlers: set[asyncio.Task] = set()

    async def handle(self, reader, writer) -> None:
        self.handlers.add(asyncio.current_task())
        self.writers.add(writer)
        try:
            name = await reader.readline()
            if not name.endswith(b"\n"):
                return
            self.named[writer] = name[:-1].decode(errors="replace")
            while (line := await reader.readline()).endswith(b"\n"):
                out = f"{self.named[writer]}: {line[:-1].decode(errors='replace')}\n".encode()
                for other in list(self.named):
                    if other is not writer:
                        other.write(out)
                        with contextlib.suppress(ConnectionError):
                            await other.drain()
        except ConnectionError:
            pass
        finally:
            self.named.pop(writer, None)
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
