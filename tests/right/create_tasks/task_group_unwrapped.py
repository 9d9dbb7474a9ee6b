"""A TaskGroup (it cancels the other task and waits for it), with the error taken out of its ExceptionGroup."""

import asyncio


async def run_both(first, second) -> tuple:
    try:
        async with asyncio.TaskGroup() as group:
            task_1 = group.create_task(first())
            task_2 = group.create_task(second())
    except* Exception as failures:
        raise failures.exceptions[0] from None
    return task_1.result(), task_2.result()
