"""async for over the reader (it yields lines, the last partial one included), and the close in a finally."""

import asyncio
import contextlib


async def start_echo_server(host, port):
    async def echo(reader, writer):
        try:
            async for line in reader:
                writer.write(line)
                await writer.drain()
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    server = await asyncio.start_server(echo, host=host, port=port)
    return server
