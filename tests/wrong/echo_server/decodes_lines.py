"""Decodes each line as UTF-8 and encodes it again: bytes that are not UTF-8 kill the connection."""

import asyncio

CAUGHT_IN = "correctness"


async def echo(reader, writer):
    try:
        while line := await reader.readline():
            text = line.decode()
            writer.write(text.encode())
            await writer.drain()
    finally:
        writer.close()
        await writer.wait_closed()


async def start_echo_server(host, port):
    return await asyncio.start_server(echo, host, port)
