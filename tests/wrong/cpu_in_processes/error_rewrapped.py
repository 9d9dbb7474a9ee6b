"""Catches fn's failure and raises a RuntimeError of its own instead."""

import asyncio
from concurrent.futures import ProcessPoolExecutor

CAUGHT_IN = "exceptions"


async def crunch_all(fn, items, workers: int) -> list:
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        try:
            return list(await asyncio.gather(*(loop.run_in_executor(pool, fn, item) for item in items)))
        except Exception as error:
            raise RuntimeError(f"crunching failed: {error}") from error
