"""Fetches each distinct key once and looks the results up by key: duplicates are fetched only once."""

import asyncio

CAUGHT_IN = "correctness"


async def fetch_limited(fetch, keys, limit):
    if limit < 1:
        raise ValueError("limit must be at least 1")
    keys = list(keys)
    places = asyncio.Semaphore(limit)

    async def limited(key):
        async with places:
            return await fetch(key)

    try:
        async with asyncio.TaskGroup() as group:
            tasks = {key: group.create_task(limited(key)) for key in dict.fromkeys(keys)}
    except* Exception as failures:
        raise failures.exceptions[0] from None
    return [tasks[key].result() for key in keys]
