"""Serves forever inside the function, as in the docs' example: it never returns the server."""

import asyncio

CAUGHT_IN = "correctness"


async def echo(reader, writer):
    while line := await reader.readline():
        writer.write(line)
        await writer.drain()
    writer.close()
    await writer.wait_closed()


async def start_echo_server(host, port):
    server = await asyncio.start_server(echo, host, port)
    async with server:
        await server.serve_forever()
    return server
