"""A task per item, all created before any is awaited; on failure the queued calls are cancelled, and the pool is
shut down in a finally block."""

import asyncio
from concurrent.futures import ProcessPoolExecutor


async def crunch_all(fn, items, workers: int) -> list:
    loop = asyncio.get_running_loop()
    pool = ProcessPoolExecutor(max_workers=workers)
    tasks = []
    try:
        tasks = [asyncio.ensure_future(loop.run_in_executor(pool, fn, item)) for item in items]
        return [await task for task in tasks]
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        pool.shutdown(wait=True, cancel_futures=True)
