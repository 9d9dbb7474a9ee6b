"""Reads the whole reply, then checks its size: an oversized reply's body is waited for first."""

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
                try:
                    size = int.from_bytes(await reader.readexactly(4), "big")
                    body = await reader.readexactly(size)
                except asyncio.IncompleteReadError as error:
                    raise ConnectionError("closed") from error
                if len(body) > max_size:
                    raise ValueError(size)
                replies.append(body)
        return replies
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
