"""asyncio.wait until the first failure, which it raises, but the other task is never cancelled."""

import asyncio

CAUGHT_IN = "exceptions"


async def run_both(first, second) -> tuple:
    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    for task in tasks:
        if task in done and task.exception() is not None:
            raise task.exception()
    return tasks[0].result(), tasks[1].result()
