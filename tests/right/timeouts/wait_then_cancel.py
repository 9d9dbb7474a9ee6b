"""asyncio.wait with a timeout; on timeout, cancel the task and wait for it to end."""

import asyncio


async def fetch_with_timeout(fetch, key, timeout):
    task = asyncio.create_task(fetch(key))
    try:
        done, _ = await asyncio.wait({task}, timeout=timeout)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if task in done:
        return task.result()
    task.cancel()
    await asyncio.wait({task})
    raise TimeoutError
