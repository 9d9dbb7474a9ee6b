"""Each request's exchange in a task of its own, waited for with asyncio.wait(timeout=...); a task still running
on the way out (timeout, cancellation) is cancelled and awaited before the connection is closed."""

import asyncio
import contextlib


async def request_all(host, port, payloads, *, timeout, max_size):
    if not payloads:
        return []
    reader, writer = await asyncio.open_connection(host, port)

    async def exchange(payload):
        writer.write(len(payload).to_bytes(4, "big") + payload)
        await writer.drain()
        try:
            size = int.from_bytes(await reader.readexactly(4), "big")
            if size > max_size:
                raise ValueError(size)
            return await reader.readexactly(size)
        except asyncio.IncompleteReadError as error:
            raise ConnectionError("closed early") from error

    replies = []
    task = None
    try:
        for payload in payloads:
            task = asyncio.create_task(exchange(payload))
            done, _ = await asyncio.wait([task], timeout=timeout)
            if not done:
                raise TimeoutError(f"no reply within {timeout} s")
            replies.append(task.result())
        return replies
    finally:
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait([task])
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
