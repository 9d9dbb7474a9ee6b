"""Never passes the host on: the server listens on every interface, not only the one it was given."""

import asyncio

CAUGHT_IN = "correctness"


async def echo(reader, writer):
    while line := await reader.readline():
        writer.write(line)
        await writer.drain()
    writer.close()
    await writer.wait_closed()


async def start_echo_server(host, port):
    return await asyncio.start_server(echo, port=port)
