"""No streams: a Protocol for loop.create_server, buffering bytes until each newline."""

import asyncio


class EchoLines(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        self.pending = b""

    def data_received(self, data):
        self.pending += data
        end = self.pending.rfind(b"\n") + 1
        if end:
            self.transport.write(self.pending[:end])
            self.pending = self.pending[end:]

    def eof_received(self):
        if self.pending:
            self.transport.write(self.pending)
        return False  # the transport closes itself once what was written is sent


async def start_echo_server(host, port):
    loop = asyncio.get_running_loop()
    return await loop.create_server(EchoLines, host, port)
