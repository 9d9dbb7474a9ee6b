"""A TaskGroup whose ExceptionGroup escapes as it is: the error arrives wrapped."""

import asyncio

CAUGHT_IN = "exceptions"


async def run_both(first, second) -> tuple:
    async with asyncio.TaskGroup() as group:
        task_1 = group.create_task(first())
        task_2 = group.create_task(second())
    return task_1.result(), task_2.result()
