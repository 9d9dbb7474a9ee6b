"""Concurrent, but collects the replies in the order they arrive."""

import asyncio

CAUGHT_IN = "correctness"


async def echo(host, port, message):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(message.encode() + b"\n")
        await writer.drain()
        return (await reader.readline()).decode()[:-1]
    finally:
        writer.close()
        await writer.wait_closed()


async def echo_all(host, port, messages):
    return [await reply for reply in asyncio.as_completed([echo(host, port, message) for message in messages])]
