"""Strips each line and adds b"\n": trailing spaces and carriage returns are lost, a partial line gains a newline."""

import asyncio

CAUGHT_IN = "correctness"


async def echo(reader, writer):
    while line := await reader.readline():
        writer.write(line.strip() + b"\n")
        await writer.drain()
    writer.close()
    await writer.wait_closed()


async def start_echo_server(host, port):
    return await asyncio.start_server(echo, host, port)
