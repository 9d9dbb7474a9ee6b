"""asyncio.wait with a timeout; on timeout, cancel the task (its cancellation completes a moment later)."""

import asyncio


async def fetch_with_timeout(fetch, key, timeout):
    task = asyncio.ensure_future(fetch(key))
    try:
        done, _ = await asyncio.wait({task}, timeout=timeout)
    finally:
        if not task.done():
            task.cancel()
    if task in done:
        return task.result()
    raise TimeoutError
