"""readuntil(b"\n") in a loop: at end of file it raises IncompleteReadError, which escapes the handler."""

import asyncio

CAUGHT_IN = "exceptions"


async def echo(reader, writer):
    try:
        while True:
            line = await reader.readuntil(b"\n")
            writer.write(line)
            await writer.drain()
    finally:
        writer.close()


async def start_echo_server(host, port):
    return await asyncio.start_server(echo, host, port)
