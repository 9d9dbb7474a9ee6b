"""One broadcaster task for the room (an inbox queue of every line read), a writer task per member; aclose() cancels
every task the server started (handlers included) and waits for them, each handler aborting its connection."""

import asyncio
import collections


class Member:
    def __init__(self, name: str, writer) -> None:
        self.name = name
        self.writer = writer
        self.outbox: collections.deque[bytes] = collections.deque()
        self.ready = asyncio.Event()


class ChatServer:
    port: int

    def __init__(self, outbox: int) -> None:
        self.outbox = outbox
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.members: dict[object, Member] = {}
        self.tasks: set[asyncio.Task] = set()
        self.keep(asyncio.create_task(self.broadcast()))

    def keep(self, task: asyncio.Task) -> asyncio.Task:
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def broadcast(self) -> None:
        while True:
            sender, line = await self.inbox.get()
            for key, member in list(self.members.items()):
                if key is sender:
                    continue
                member.outbox.append(line)
                member.ready.set()
                if len(member.outbox) > self.outbox:
                    del self.members[key]
                    member.outbox.clear()
                    member.writer.transport.abort()

    async def write(self, member: Member) -> None:
        try:
            while True:
                await member.ready.wait()
                await member.writer.drain()  # returns once the transport's writing is not paused
                if member.outbox:
                    member.writer.write(member.outbox.popleft())
                if not member.outbox:
                    member.ready.clear()
        except ConnectionError:
            pass

    async def handle(self, reader, writer) -> None:
        self.keep(asyncio.current_task())
        writer_task = None
        try:
            name = await reader.readline()
            if name[-1:] != b"\n":
                return
            member = Member(name[:-1].decode(errors="replace"), writer)
            writer_task = self.keep(asyncio.create_task(self.write(member)))
            self.members[writer] = member
            async for line in reader:  # each line with its b"\n"; the last one maybe without
                if line[-1:] != b"\n":
                    break
                text = line[:-1].decode(errors="replace")
                self.inbox.put_nowait((writer, f"{member.name}: {text}\n".encode()))
        except ConnectionError:
            pass
        finally:
            self.members.pop(writer, None)
            writer.transport.abort()
            if writer_task is not None:
                writer_task.cancel()
                try:
                    await writer_task
                except asyncio.CancelledError:
                    if asyncio.current_task().cancelling():
                        raise

    async def aclose(self) -> None:
        self.server.close()
        while self.tasks:
            tasks = list(self.tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        await self.server.wait_closed()


async def start_chat(host="127.0.0.1", port=0, *, outbox: int = 100) -> ChatServer:
    chat = ChatServer(outbox)
    chat.server = await asyncio.start_server(chat.handle, host, port)
    chat.port = chat.server.sockets[0].getsockname()[1]
    return chat
