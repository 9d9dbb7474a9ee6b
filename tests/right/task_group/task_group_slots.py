"""A TaskGroup of helper tasks, each filling its own slot of the result list."""

import asyncio


async def fetch_all_or_nothing(fetch, keys):
    results = [None] * len(keys)

    async def fetch_into(index, key):
        results[index] = await fetch(key)

    async with asyncio.TaskGroup() as group:
        for index, key in enumerate(keys):
            group.create_task(fetch_into(index, key))
    return results
