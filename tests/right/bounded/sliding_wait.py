"""A window of at most `limit` tasks kept full by hand with asyncio.wait(FIRST_COMPLETED); cleanup in finally."""

import asyncio


async def fetch_limited(fetch, keys, limit):
    if limit < 1:
        raise ValueError("limit must be at least 1")
    results = {}
    running = {}  # task -> index
    numbered = enumerate(keys)
    try:
        for index, key in numbered:
            if len(running) >= limit:
                done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    results[running.pop(task)] = task.result()
            running[asyncio.ensure_future(fetch(key))] = index
        while running:
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                results[running.pop(task)] = task.result()
    finally:
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running)
            for task in running:
                if not task.cancelled():
                    task.exception()
    return [results[index] for index in range(len(results))]
