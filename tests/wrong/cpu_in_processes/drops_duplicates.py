"""Computes each distinct item once and returns one result per distinct item, losing the duplicates."""

import asyncio
from concurrent.futures import ProcessPoolExecutor

CAUGHT_IN = "correctness"


async def crunch_all(fn, items, workers: int) -> list:
    loop = asyncio.get_running_loop()
    unique = list(dict.fromkeys(items))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(await asyncio.gather(*(loop.run_in_executor(pool, fn, item) for item in unique)))
