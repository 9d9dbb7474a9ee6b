"""A TaskGroup of run_in_executor calls in a forkserver pool (the default start method from Python 3.14), with the
first error taken out of its ExceptionGroup."""

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor


async def crunch_all(fn, items, workers: int) -> list:
    loop = asyncio.get_running_loop()
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(_call(loop, pool, fn, item)) for item in items]
        except* Exception as failures:
            raise failures.exceptions[0] from None
    return [task.result() for task in tasks]


async def _call(loop, pool, fn, item):
    return await loop.run_in_executor(pool, fn, item)
