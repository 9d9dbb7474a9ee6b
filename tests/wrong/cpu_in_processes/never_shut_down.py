"""Never shuts the pool down: its processes are left to wind down on their own after the function returns."""

import asyncio
from concurrent.futures import ProcessPoolExecutor

CAUGHT_IN = "correctness"


async def crunch_all(fn, items, workers: int) -> list:
    loop = asyncio.get_running_loop()
    pool = ProcessPoolExecutor(max_workers=workers)
    return list(await asyncio.gather(*(loop.run_in_executor(pool, fn, item) for item in items)))
