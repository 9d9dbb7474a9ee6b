"""Keys cut into batches of `limit`, each gathered before the next: a batch waits for its slowest call."""

import asyncio

CAUGHT_IN = "concurrency"


async def fetch_limited(fetch, keys, limit):
    if limit < 1:
        raise ValueError("limit must be at least 1")
    keys = list(keys)
    results = []
    for start in range(0, len(keys), limit):
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(fetch(key)) for key in keys[start : start + limit]]
        results += [task.result() for task in tasks]
    return results
