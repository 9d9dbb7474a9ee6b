"""A task per key, each waiting for a place of a Semaphore, in a TaskGroup; the group's failure taken out."""

import asyncio


async def fetch_limited(fetch, keys, limit):
    if limit < 1:
        raise ValueError("limit must be at least 1")
    places = asyncio.Semaphore(limit)

    async def limited(key):
        async with places:
            return await fetch(key)

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(limited(key)) for key in keys]
    except* Exception as failures:
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]
