"""Its own buffer filled with read() until enough bytes are in, under asyncio.timeout_at a deadline on the loop's
clock per request."""

import asyncio
import contextlib


async def request_all(host, port, payloads, *, timeout, max_size):
    if not payloads:
        return []
    loop = asyncio.get_running_loop()
    reader, writer = await asyncio.open_connection(host, port)
    buffer = bytearray()

    async def take(count):
        while len(buffer) < count:
            chunk = await reader.read(65536)
            if not chunk:
                raise ConnectionError(f"connection closed with {len(buffer)} of {count} bytes")
            buffer.extend(chunk)
        data = bytes(buffer[:count])
        del buffer[:count]
        return data

    try:
        replies = []
        for payload in payloads:
            deadline = loop.time() + timeout
            writer.write(len(payload).to_bytes(4, "big"))
            writer.write(payload)
            async with asyncio.timeout_at(deadline):
                await writer.drain()
                size = int.from_bytes(await take(4), "big")
                if size > max_size:
                    raise ValueError(size)
                replies.append(await take(size))
        return replies
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
