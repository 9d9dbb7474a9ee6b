"""pool.submit wrapped with asyncio.wrap_future, asyncio.wait until the first exception, and the pool shut down in a
worker thread so that its shutdown does not block the event loop either."""

import asyncio
from concurrent.futures import ProcessPoolExecutor


async def crunch_all(fn, items, workers: int) -> list:
    if not items:
        return []
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        futures = [asyncio.wrap_future(pool.submit(fn, item)) for item in items]
        done, pending = await asyncio.wait(futures, return_when=asyncio.FIRST_EXCEPTION)
        for future in pending:
            future.cancel()
        for future in futures:
            if future in done and future.exception() is not None:
                raise future.exception()
        return [future.result() for future in futures]
    finally:
        await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
