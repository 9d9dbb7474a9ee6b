"""A TaskGroup whose ExceptionGroup escapes as it is: fn's error arrives wrapped."""

import asyncio
from concurrent.futures import ProcessPoolExecutor

CAUGHT_IN = "exceptions"


async def crunch_all(fn, items, workers: int) -> list:
    loop = asyncio.get_running_loop()

    async def one(item):
        return await loop.run_in_executor(pool, fn, item)

    with ProcessPoolExecutor(max_workers=workers) as pool:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(item)) for item in items]
    return [task.result() for task in tasks]
