"""A TaskGroup, but its ExceptionGroup is taken apart and the first failure raised bare (chapter 1's habit)."""

import asyncio

CAUGHT_IN = "exceptions"


async def fetch_all_or_nothing(fetch, keys):
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(fetch(key)) for key in keys]
    except* Exception as failures:
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]
