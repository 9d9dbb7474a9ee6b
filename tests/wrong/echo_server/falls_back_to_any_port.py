"""When the port is taken, quietly listens on another one instead of raising."""

import asyncio

CAUGHT_IN = "exceptions"


async def echo(reader, writer):
    while line := await reader.readline():
        writer.write(line)
        await writer.drain()
    writer.close()
    await writer.wait_closed()


async def start_echo_server(host, port):
    try:
        return await asyncio.start_server(echo, host, port)
    except OSError:
        return await asyncio.start_server(echo, host, 0)
