"""Sends the message without the newline that ends it: the server waits for the rest of the line."""

import asyncio

CAUGHT_IN = "correctness"


async def echo(host, port, message):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(message.encode())
        await writer.drain()
        return (await reader.readline()).decode().removesuffix("\n")
    finally:
        writer.close()
        await writer.wait_closed()


async def echo_all(host, port, messages):
    return list(await asyncio.gather(*(echo(host, port, message) for message in messages)))
