"""Connects even when there are no payloads."""

import asyncio
import contextlib

CAUGHT_IN = "correctness"


async def request_all(host, port, payloads, *, timeout, max_size):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        replies = []
        for payload in payloads:
            writer.write(len(payload).to_bytes(4, "big") + payload)
            async with asyncio.timeout(timeout):
                await writer.drain()
                try:
                    size = int.from_bytes(await reader.readexactly(4), "big")
                    if size > max_size:
                        raise ValueError(size)
                    replies.append(await reader.readexactly(size))
                except asyncio.IncompleteReadError as error:
                    raise ConnectionError("closed") from error
        return replies
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
