"""An executor of two threads: awaited properly, but only two calls run at a time."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

CAUGHT_IN = "concurrency"


async def read_all(read_blocking, paths):
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(await asyncio.gather(*(loop.run_in_executor(pool, read_blocking, path) for path in paths)))
