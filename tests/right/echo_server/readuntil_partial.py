"""readuntil(b"\n"), with IncompleteReadError's partial line sent back at end of file; each handler under a
generous idle timeout, and start_server's listening checked with asyncio.timeout."""

import asyncio


async def echo(reader, writer):
    try:
        while True:
            try:
                async with asyncio.timeout(60):
                    line = await reader.readuntil(b"\n")
            except asyncio.IncompleteReadError as end:
                writer.write(end.partial)
                await writer.drain()
                break
            writer.write(line)
            await writer.drain()
    finally:
        writer.close()
        await writer.wait_closed()


async def start_echo_server(host, port):
    async with asyncio.timeout(10):
        server = await asyncio.start_server(echo, host, port, start_serving=False)
        await server.start_serving()
    return server
