"""Sends the work to a process pool: the event loop is free, but the work leaves the loop's thread (and process)."""

import asyncio
from concurrent.futures import ProcessPoolExecutor

CAUGHT_IN = "concurrency"


async def process_all(items, work):
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(max_workers=2) as pool:
        return list(await asyncio.gather(*(loop.run_in_executor(pool, work, item) for item in items)))
