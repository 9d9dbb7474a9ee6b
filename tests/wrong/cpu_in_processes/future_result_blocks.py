"""Submits everything to the pool, then waits with future.result(): parallel, but it blocks the event loop."""

from concurrent.futures import ProcessPoolExecutor

CAUGHT_IN = "concurrency"


async def crunch_all(fn, items, workers: int) -> list:
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(fn, item) for item in items]
        return [future.result() for future in futures]
