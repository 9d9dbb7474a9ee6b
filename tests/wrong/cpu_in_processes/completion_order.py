"""In a pool, concurrent, but collects the results in the order the calls finish."""

import asyncio
from concurrent.futures import ProcessPoolExecutor

CAUGHT_IN = "correctness"


async def crunch_all(fn, items, workers: int) -> list:
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [loop.run_in_executor(pool, fn, item) for item in items]
        return [await next_done for next_done in asyncio.as_completed(futures)]
