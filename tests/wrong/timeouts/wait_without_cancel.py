"""asyncio.wait with a timeout, then TimeoutError: but the fetch is left running."""

import asyncio

CAUGHT_IN = "timeout"


async def fetch_with_timeout(fetch, key, timeout):
    task = asyncio.create_task(fetch(key))
    done, _ = await asyncio.wait({task}, timeout=timeout)
    if not done:
        raise TimeoutError
    return task.result()
