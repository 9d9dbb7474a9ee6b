"""pool.map called in the coroutine: the work runs in processes, but the event loop waits for it, blocked."""

from concurrent.futures import ProcessPoolExecutor

CAUGHT_IN = "concurrency"


async def crunch_all(fn, items, workers: int) -> list:
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, items))
