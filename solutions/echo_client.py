"""Reference solution: an echo client with streams."""

import asyncio


async def echo_all(host, port, messages):
    return list(await asyncio.gather(*(_echo(host, port, message) for message in messages)))


async def _echo(host, port, message):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(message.encode() + b"\n")
        await writer.drain()
        reply = await reader.readline()  # a whole line, however many pieces it arrives in
        return reply.decode().removesuffix("\n")
    finally:
        writer.close()
        await writer.wait_closed()
