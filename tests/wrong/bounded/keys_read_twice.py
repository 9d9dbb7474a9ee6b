"""Semaphore-limited tasks, each storing its result by key; the results are then looked up by reading `keys`
again: fine for a list, but a generator is empty by then (and duplicates would share a result anyway)."""

import asyncio

CAUGHT_IN = "correctness"


async def fetch_limited(fetch, keys, limit):
    if limit < 1:
        raise ValueError("limit must be at least 1")
    places = asyncio.Semaphore(limit)
    results = {}

    async def limited(key):
        async with places:
            results[key] = await fetch(key)

    try:
        async with asyncio.TaskGroup() as group:
            for key in keys:
                group.create_task(limited(key))
    except* Exception as failures:
        raise failures.exceptions[0] from None
    return [results[key] for key in keys]
