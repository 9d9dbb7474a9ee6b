"""Shuts the pool down after the results are in, but not in a finally block: a failure leaves it running."""

import asyncio
from concurrent.futures import ProcessPoolExecutor

CAUGHT_IN = "exceptions"


async def crunch_all(fn, items, workers: int) -> list:
    loop = asyncio.get_running_loop()
    pool = ProcessPoolExecutor(max_workers=workers)
    results = await asyncio.gather(*(loop.run_in_executor(pool, fn, item) for item in items))
    pool.shutdown()
    return list(results)
