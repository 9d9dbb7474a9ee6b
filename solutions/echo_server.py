"""Reference solution: an echo server with streams."""

import asyncio


async def start_echo_server(host, port):
    # start_server listens at once and runs echo_lines in a task of its own for every client.
    return await asyncio.start_server(echo_lines, host, port)


async def echo_lines(reader, writer):
    try:
        # readline() returns a whole line, or at end of file the partial line left, then b"".
        while line := await reader.readline():
            writer.write(line)
            await writer.drain()
    finally:
        writer.close()
        await writer.wait_closed()
