"""A TaskGroup, with the first fetch error taken out of its ExceptionGroup."""

import asyncio


async def fetch_all(fetch, keys):
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(fetch(key)) for key in keys]
    except* Exception as failures:
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]
