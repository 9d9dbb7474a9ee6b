"""Reads chunks of any size and splits the lines out itself; the rest goes back at end of file."""

import asyncio


async def echo(reader, writer):
    pending = b""
    try:
        while chunk := await reader.read(4096):
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                writer.write(line + b"\n")
            await writer.drain()
        if pending:
            writer.write(pending)
            await writer.drain()
    finally:
        writer.close()
        await writer.wait_closed()


async def start_echo_server(host, port):
    return await asyncio.start_server(echo, host, port)
