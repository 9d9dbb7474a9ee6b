"""A TaskGroup, but each task is awaited as soon as it is created: the fetches run one after another."""

import asyncio

CAUGHT_IN = "concurrency"


async def fetch_all_or_nothing(fetch, keys):
    results = []
    async with asyncio.TaskGroup() as group:
        for key in keys:
            results.append(await group.create_task(fetch(key)))
    return results
