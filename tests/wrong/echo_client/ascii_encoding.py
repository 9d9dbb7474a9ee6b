"""Encodes the messages as ASCII: any message with an accent or a non-Latin letter fails."""

import asyncio

CAUGHT_IN = "correctness"


async def echo(host, port, message):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(message.encode("ascii") + b"\n")
        await writer.drain()
        return (await reader.readline()).decode("ascii")[:-1]
    finally:
        writer.close()
        await writer.wait_closed()


async def echo_all(host, port, messages):
    return list(await asyncio.gather(*(echo(host, port, message) for message in messages)))
