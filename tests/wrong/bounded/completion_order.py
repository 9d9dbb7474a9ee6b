"""Workers append each result as its call ends: the results come in completion order, not key order."""

import asyncio

CAUGHT_IN = "correctness"


async def fetch_limited(fetch, keys, limit):
    if limit < 1:
        raise ValueError("limit must be at least 1")
    remaining = iter(keys)
    results = []

    async def worker():
        for key in remaining:
            results.append(await fetch(key))

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(limit):
                group.create_task(worker())
    except* Exception as failures:
        raise failures.exceptions[0] from None
    return results
