"""Reads the header and the body with one read() each: a reply cut into pieces comes back cut short."""

import asyncio
import contextlib

CAUGHT_IN = "correctness"


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
                header = await reader.read(4)
                if len(header) < 4:
                    raise ConnectionError("closed")
                size = int.from_bytes(header, "big")
                if size > max_size:
                    raise ValueError(size)
                replies.append(await reader.read(size) if size else b"")
        return replies
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
