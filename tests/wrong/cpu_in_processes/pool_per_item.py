"""A new pool of `workers` processes for every item: many more processes than asked for."""

import asyncio
from concurrent.futures import ProcessPoolExecutor

CAUGHT_IN = "concurrency"


async def crunch_all(fn, items, workers: int) -> list:
    loop = asyncio.get_running_loop()

    async def one(item):
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return await loop.run_in_executor(pool, fn, item)

    return list(await asyncio.gather(*(one(item) for item in items)))
