"""In stages, each for every connection at once: open them all, send, read every reply, then close them all."""

import asyncio


async def echo_all(host, port, messages):
    opened = await asyncio.gather(*(asyncio.open_connection(host, port) for _ in messages), return_exceptions=True)
    streams = [pair for pair in opened if not isinstance(pair, BaseException)]
    try:
        for error in opened:
            if isinstance(error, BaseException):
                raise error
        for (_, writer), message in zip(streams, messages, strict=False):
            writer.write(f"{message}\n".encode())
        await asyncio.gather(*(writer.drain() for _, writer in streams))
        lines = await asyncio.gather(*(reader.readline() for reader, _ in streams))
        return [line.decode().removesuffix("\n") for line in lines]
    finally:
        for _, writer in streams:
            writer.close()
        await asyncio.gather(*(writer.wait_closed() for _, writer in streams), return_exceptions=True)
