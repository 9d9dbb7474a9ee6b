"""Returns [] for no keys before looking at `limit`: fetch_limited(fetch, [], 0) returns instead of raising."""

import asyncio

CAUGHT_IN = "exceptions"


async def fetch_limited(fetch, keys, limit):
    keys = list(keys)
    if not keys:
        return []
    places = asyncio.Semaphore(limit)
    if limit < 1:
        raise ValueError("limit must be at least 1")

    async def limited(key):
        async with places:
            return await fetch(key)

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(limited(key)) for key in keys]
    except* Exception as failures:
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]
