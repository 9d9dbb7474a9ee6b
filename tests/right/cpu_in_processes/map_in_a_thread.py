"""The blocking pool.map, run in a worker thread with asyncio.to_thread: the event loop only awaits that thread."""

import asyncio
from concurrent.futures import ProcessPoolExecutor


async def crunch_all(fn, items, workers: int) -> list:
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return await asyncio.to_thread(lambda: list(pool.map(fn, items)))
