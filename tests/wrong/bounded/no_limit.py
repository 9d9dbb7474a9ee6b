"""asyncio.gather of every key at once, in a TaskGroup: the limit is checked but never applied."""

import asyncio

CAUGHT_IN = "concurrency"


async def fetch_limited(fetch, keys, limit):
    if limit < 1:
        raise ValueError("limit must be at least 1")
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(fetch(key)) for key in keys]
    except* Exception as failures:
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]
