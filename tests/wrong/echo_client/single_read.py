"""One read() for the reply: gets whatever has arrived so far, which may be only part of the line."""

import asyncio

CAUGHT_IN = "correctness"


async def echo(host, port, message):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(message.encode() + b"\n")
        await writer.drain()
        return (await reader.read(1024)).decode().removesuffix("\n")
    finally:
        writer.close()
        await writer.wait_closed()


async def echo_all(host, port, messages):
    return list(await asyncio.gather(*(echo(host, port, message) for message in messages)))
