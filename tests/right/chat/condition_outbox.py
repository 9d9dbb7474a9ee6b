"""An outbox list and an asyncio.Condition per client; readuntil() with IncompleteReadError; tasks cancelled by
aclose()."""

import asyncio


class Member:
    def __init__(self, name: str, writer: asyncio.StreamWriter) -> None:
        self.name = name
        self.writer = writer
        self.outbox: list[bytes] = []
        self.changed = asyncio.Condition()


class ChatServer:
    port: int

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.members: list[Member] = []
        self.tasks: set[asyncio.Task] = set()
        self.writers: list[asyncio.StreamWriter] = []

    def start(self, coro) -> asyncio.Task:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def pump(self, member: Member) -> None:
        try:
            while True:
                async with member.changed:
                    await member.changed.wait_for(lambda: member.outbox)
                await member.writer.drain()  # the transport is not paused once this returns
                if member.outbox:
                    member.writer.write(member.outbox.pop(0))
        except (ConnectionError, RuntimeError):
            return

    async def post(self, sender: Member, text: str) -> None:
        line = f"{sender.name}: {text}\n".encode()
        for member in list(self.members):
            if member is sender:
                continue
            member.outbox.append(line)
            if len(member.outbox) > self.limit:
                self.members.remove(member)
                member.outbox.clear()
                member.writer.transport.abort()
                continue
            async with member.changed:  # never waits: nobody holds it across an await
                member.changed.notify()

    async def client(self, reader, writer) -> None:
        self.writers.append(writer)
        member = pump = None
        try:
            name = await reader.readuntil(b"\n")
            member = Member(name[:-1].decode("utf-8", "replace"), writer)
            pump = self.start(self.pump(member))
            self.members.append(member)
            while True:
                line = await reader.readuntil(b"\n")
                await self.post(member, line[:-1].decode("utf-8", "replace"))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            if member in self.members:
                self.members.remove(member)
            if pump is not None:
                pump.cancel()
                await asyncio.gather(pump, return_exceptions=True)
            writer.transport.abort()
            self.writers.remove(writer)

    async def handle(self, reader, writer) -> None:
        await self.start(self.client(reader, writer))

    async def aclose(self) -> None:
        self.server.close()
        for writer in self.writers:
            writer.transport.abort()
        while self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.server.wait_closed()


async def start_chat(host="127.0.0.1", port=0, *, outbox: int = 100) -> ChatServer:
    chat = ChatServer(outbox)
    chat.server = await asyncio.start_server(chat.handle, host, port)
    chat.port = chat.server.sockets[0].getsockname()[1]
    return chat
