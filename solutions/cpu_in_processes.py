"""Reference solution: CPU work in a process pool."""

import asyncio
from concurrent.futures import ProcessPoolExecutor


async def crunch_all(fn, items, workers: int) -> list:
    loop = asyncio.get_running_loop()
    # Leaving the with block shuts the pool down and waits for its processes, on success and on failure alike.
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(await asyncio.gather(*(loop.run_in_executor(pool, fn, item) for item in items)))
