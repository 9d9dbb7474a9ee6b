"""Reads everything until the client closes, then echoes it all: no line comes back while it is connected."""

import asyncio

CAUGHT_IN = "correctness"


async def echo(reader, writer):
    data = await reader.read()
    writer.write(data)
    await writer.drain()
    writer.close()
    await writer.wait_closed()


async def start_echo_server(host, port):
    return await asyncio.start_server(echo, host, port)
