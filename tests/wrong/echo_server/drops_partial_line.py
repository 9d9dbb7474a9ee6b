"""Stops at the first line without a newline: the client's last partial line is never sent back."""

import asyncio

CAUGHT_IN = "correctness"


async def echo(reader, writer):
    while (line := await reader.readline()).endswith(b"\n"):
        writer.write(line)
        await writer.drain()
    writer.close()
    await writer.wait_closed()


async def start_echo_server(host, port):
    return await asyncio.start_server(echo, host, port)
