"""A sliding window with asyncio.wait; on a failure the running calls are cancelled, but not waited for."""

import asyncio

CAUGHT_IN = "timeout"


async def fetch_limited(fetch, keys, limit):
    if limit < 1:
        raise ValueError("limit must be at least 1")
    results = {}
    running = {}
    try:
        for index, key in enumerate(keys):
            while len(running) >= limit:
                done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    results[running.pop(task)] = task.result()
            running[asyncio.create_task(fetch(key))] = index
        while running:
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                results[running.pop(task)] = task.result()
    finally:
        for task in running:
            task.cancel()
    return [results[index] for index in range(len(results))]
