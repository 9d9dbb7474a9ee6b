"""Awaits each call before handing the next to the pool: the loop stays free, but only one process works."""

import asyncio
from concurrent.futures import ProcessPoolExecutor

CAUGHT_IN = "concurrency"


async def crunch_all(fn, items, workers: int) -> list:
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [await loop.run_in_executor(pool, fn, item) for item in items]
