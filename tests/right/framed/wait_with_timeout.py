"""Each request (drain and the whole reply) in a task of its own, waited for with asyncio.wait(timeout=...); a
request not done by then is cancelled and TimeoutError raised."""

import asyncio
import contextlib


async def exchange(reader, writer, max_size):
    await writer.drain()
    try:
        header = await reader.readexactly(4)
        size = int.from_bytes(header, "big")
        if size > max_size:
            raise ValueError(f"reply of {size} bytes announced, at most {max_size} accepted")
        return await reader.readexactly(size)
    except asyncio.IncompleteReadError as error:
        raise ConnectionError("connection closed in the middle of a reply") from error


async def request_all(host, port, payloads, *, timeout, max_size):
    if not payloads:
        return []
    reader, writer = await asyncio.open_connection(host, port)
    try:
        replies = []
        for payload in payloads:
            writer.write(len(payload).to_bytes(4, "big") + payload)
            task = asyncio.ensure_future(exchange(reader, writer, max_size))
            try:
                done, _ = await asyncio.wait({task}, timeout=timeout)
            finally:
                if not task.done():
                    task.cancel()
                    await asyncio.wait({task})
            if not done:
                raise TimeoutError(f"no whole reply within {timeout} s")
            replies.append(task.result())
        return replies
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
