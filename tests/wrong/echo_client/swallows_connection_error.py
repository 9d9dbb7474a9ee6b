"""Catches the connection error and returns an empty reply instead of raising it."""

import asyncio

CAUGHT_IN = "exceptions"


async def echo(host, port, message):
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        return ""
    try:
        writer.write(message.encode() + b"\n")
        await writer.drain()
        return (await reader.readline()).decode()[:-1]
    finally:
        writer.close()
        await writer.wait_closed()


async def echo_all(host, port, messages):
    return list(await asyncio.gather(*(echo(host, port, message) for message in messages)))
