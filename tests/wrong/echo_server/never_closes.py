"""The handler returns at end of file without closing: the client never sees the connection close."""

import asyncio

CAUGHT_IN = "correctness"


async def echo(reader, writer):
    while line := await reader.readline():
        writer.write(line)
        await writer.drain()


async def start_echo_server(host, port):
    return await asyncio.start_server(echo, host, port)
