"""A Semaphore and a TaskGroup, but the TaskGroup's ExceptionGroup is let out instead of the failure itself."""

import asyncio

CAUGHT_IN = "exceptions"


async def fetch_limited(fetch, keys, limit):
    if limit < 1:
        raise ValueError("limit must be at least 1")
    places = asyncio.Semaphore(limit)

    async def limited(key):
        async with places:
            return await fetch(key)

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(limited(key)) for key in keys]
    return [task.result() for task in tasks]
