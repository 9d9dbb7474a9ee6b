"""strip() on the reply: removes the newline, and the message's own leading and trailing spaces with it."""

import asyncio

CAUGHT_IN = "correctness"


async def echo(host, port, message):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(message.encode() + b"\n")
        await writer.drain()
        return (await reader.readline()).decode().strip()
    finally:
        writer.close()
        await writer.wait_closed()


async def echo_all(host, port, messages):
    return list(await asyncio.gather(*(echo(host, port, message) for message in messages)))
