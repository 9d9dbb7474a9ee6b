"""shutdown(wait=False), so as not to block the loop: the function returns while the processes still run."""

import asyncio
from concurrent.futures import ProcessPoolExecutor

CAUGHT_IN = "correctness"


async def crunch_all(fn, items, workers: int) -> list:
    loop = asyncio.get_running_loop()
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        return list(await asyncio.gather(*(loop.run_in_executor(pool, fn, item) for item in items)))
    finally:
        pool.shutdown(wait=False)
