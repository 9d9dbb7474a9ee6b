"""No streams, no tasks per client: a Protocol whose pause_writing/resume_writing say when its transport takes lines."""

import asyncio
import collections


class ChatProtocol(asyncio.Protocol):
    def __init__(self, room: "ChatServer") -> None:
        self.room = room
        self.name: str | None = None
        self.pending = b""
        self.outbox: collections.deque[bytes] = collections.deque()
        self.paused = False
        self.gone = asyncio.get_running_loop().create_future()

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.room.connections.add(self)
        if self.room.closing:
            transport.abort()

    def data_received(self, data: bytes) -> None:
        self.pending += data
        *lines, self.pending = self.pending.split(b"\n")
        for line in lines:
            text = line.decode(errors="replace")
            if self.name is None:
                self.name = text
                self.room.named.append(self)
            else:
                self.room.deliver(self, f"{self.name}: {text}\n".encode())

    def eof_received(self) -> bool:
        self.transport.abort()  # the client is leaving: nothing more goes to it
        return False

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        self.flush()

    def flush(self) -> None:
        # Lines go to the transport only while its writing is not paused; writing one may pause it.
        while self.outbox and not self.paused and not self.transport.is_closing():
            self.transport.write(self.outbox.popleft())

    def take(self, line: bytes) -> None:
        self.outbox.append(line)
        self.flush()
        if len(self.outbox) > self.room.outbox:
            self.outbox.clear()
            self.transport.abort()

    def connection_lost(self, exc) -> None:
        self.outbox.clear()
        if self in self.room.named:
            self.room.named.remove(self)
        self.room.connections.discard(self)
        if not self.gone.done():
            self.gone.set_result(None)


class ChatServer:
    port: int

    def __init__(self, outbox: int) -> None:
        self.outbox = outbox
        self.named: list[ChatProtocol] = []
        self.connections: set[ChatProtocol] = set()
        self.closing = False

    def deliver(self, sender: ChatProtocol, line: bytes) -> None:
        for client in list(self.named):
            if client is not sender and not client.transport.is_closing():
                client.take(line)

    async def aclose(self) -> None:
        self.closing = True
        self.server.close()
        connections = list(self.connections)
        for connection in connections:
            connection.transport.abort()
        await asyncio.gather(*(connection.gone for connection in connections))
        await self.server.wait_closed()


async def start_chat(host="127.0.0.1", port=0, *, outbox: int = 100) -> ChatServer:
    chat = ChatServer(outbox)
    loop = asyncio.get_running_loop()
    chat.server = await loop.create_server(lambda: ChatProtocol(chat), host, port)
    chat.port = chat.server.sockets[0].getsockname()[1]
    return chat
