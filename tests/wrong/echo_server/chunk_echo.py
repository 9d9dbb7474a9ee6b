"""Echoes whatever each read() returns: half a line goes straight back, before its newline has arrived."""

import asyncio

CAUGHT_IN = "correctness"


async def echo(reader, writer):
    while data := await reader.read(1024):
        writer.write(data)
        await writer.drain()
    writer.close()
    await writer.wait_closed()


async def start_echo_server(host, port):
    return await asyncio.start_server(echo, host, port)
