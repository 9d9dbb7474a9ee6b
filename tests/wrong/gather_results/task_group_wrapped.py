"""A TaskGroup whose ExceptionGroup escapes as it is: the fetch's error arrives wrapped."""

import asyncio

CAUGHT_IN = "exceptions"


async def fetch_all(fetch, keys):
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(fetch(key)) for key in keys]
    return [task.result() for task in tasks]
