"""Never checks for end of file: once the client closes its side, readline() returns b"" at once, forever,
and the handler spins without ever giving the event loop back."""

import asyncio

CAUGHT_IN = "concurrency"


async def echo(reader, writer):
    while True:
        line = await reader.readline()
        writer.write(line)


async def start_echo_server(host, port):
    return await asyncio.start_server(echo, host, port)
