"""Lets asyncio.IncompleteReadError out when the server closes early, instead of ConnectionError."""

import asyncio
import contextlib

CAUGHT_IN = "exceptions"


async def request_all(host, port, payloads, *, timeout, max_size):
    if not payloads:
        return []
    reader, writer = await asyncio.open_connection(host, port)
    try:
        replies = []
        for payload in payloads:
            writer.write(len(payload).to_bytes(4, "big") + payload)
            async with asyncio.timeout(timeout):
                await writer.drain()
                size = int.from_bytes(await reader.readexactly(4), "big")
                if size > max_size:
                    raise ValueError(size)
                replies.append(await reader.readexactly(size))
        return replies
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
