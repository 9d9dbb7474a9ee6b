"""Calls close() but never awaits wait_closed(): it returns while the connections are still closing."""

import asyncio

CAUGHT_IN = "correctness"


async def echo(host, port, message):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(message.encode() + b"\n")
    await writer.drain()
    reply = await reader.readline()
    writer.close()
    return reply.decode()[:-1]


async def echo_all(host, port, messages):
    return list(await asyncio.gather(*(echo(host, port, message) for message in messages)))
