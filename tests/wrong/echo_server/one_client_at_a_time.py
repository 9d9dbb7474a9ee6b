"""A lock around the handler, "so lines never mix": while one client is connected, every other one waits."""

import asyncio

CAUGHT_IN = "concurrency"

_one_at_a_time = None


async def echo(reader, writer):
    async with _one_at_a_time:
        while line := await reader.readline():
            writer.write(line)
            await writer.drain()
        writer.close()
        await writer.wait_closed()


async def start_echo_server(host, port):
    global _one_at_a_time
    _one_at_a_time = asyncio.Lock()
    return await asyncio.start_server(echo, host, port)
