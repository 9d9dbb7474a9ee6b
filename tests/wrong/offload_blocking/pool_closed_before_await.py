"""Hands the calls to an executor in a `with` block, but awaits them after it: leaving the block waits for them,
blocking the event loop."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

CAUGHT_IN = "concurrency"


async def read_all(read_blocking, paths):
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=max(1, len(paths))) as pool:
        futures = [loop.run_in_executor(pool, read_blocking, path) for path in paths]
    return list(await asyncio.gather(*futures))
