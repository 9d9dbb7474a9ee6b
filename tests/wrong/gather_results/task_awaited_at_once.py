"""Creates a task per key, but awaits each one as soon as it is created."""

import asyncio

CAUGHT_IN = "concurrency"


async def fetch_all(fetch, keys):
    results = []
    for key in keys:
        task = asyncio.create_task(fetch(key))
        results.append(await task)
    return results
