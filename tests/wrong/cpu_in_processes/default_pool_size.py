"""Ignores workers: a pool of the default size, one process per CPU."""

import asyncio
from concurrent.futures import ProcessPoolExecutor

CAUGHT_IN = "concurrency"


async def crunch_all(fn, items, workers: int) -> list:
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor() as pool:
        return list(await asyncio.gather(*(loop.run_in_executor(pool, fn, item) for item in items)))
