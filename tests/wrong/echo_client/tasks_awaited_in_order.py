"""A task per message, awaited in order: after the first connection error, the others are never retrieved."""

import asyncio

CAUGHT_IN = "exceptions"


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
    tasks = [asyncio.create_task(echo(host, port, message)) for message in messages]
    return [await task for task in tasks]
