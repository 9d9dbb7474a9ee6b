"""Paces the echo with time.sleep: every line blocks the whole event loop, and every other client with it."""

import asyncio
import time

CAUGHT_IN = "concurrency"


async def echo(reader, writer):
    while line := await reader.readline():
        time.sleep(0.01)
        writer.write(line)
        await writer.drain()
    writer.close()
    await writer.wait_closed()


async def start_echo_server(host, port):
    return await asyncio.start_server(echo, host, port)
