"""asyncio.wait until both are done or one fails; then cancel what is left, wait for it, raise the failure."""

import asyncio


async def run_both(first, second) -> tuple:
    tasks = [asyncio.ensure_future(first()), asyncio.ensure_future(second())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks)
    failures = [task.exception() for task in tasks if not task.cancelled() and task.exception() is not None]
    if failures:
        raise failures[0]
    return tasks[0].result(), tasks[1].result()
