"""A semaphore serves at most ten clients at a time: the others wait until one of them leaves."""

import asyncio

CAUGHT_IN = "concurrency"

_limit = None


async def echo(reader, writer):
    async with _limit:
        while line := await reader.readline():
            writer.write(line)
            await writer.drain()
        writer.close()
        await writer.wait_closed()


async def start_echo_server(host, port):
    global _limit
    _limit = asyncio.Semaphore(10)
    return await asyncio.start_server(echo, host, port)
