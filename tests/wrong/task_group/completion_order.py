"""Results appended by each task as it finishes: in completion order, not key order."""

import asyncio

CAUGHT_IN = "correctness"


async def fetch_all_or_nothing(fetch, keys):
    results = []

    async def fetch_one(key):
        results.append(await fetch(key))

    async with asyncio.TaskGroup() as group:
        for key in keys:
            group.create_task(fetch_one(key))
    return results
