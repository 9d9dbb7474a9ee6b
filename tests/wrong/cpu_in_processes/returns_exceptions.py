"""return_exceptions=True: fn's failure ends up in the list instead of being raised."""

import asyncio
from concurrent.futures import ProcessPoolExecutor

CAUGHT_IN = "exceptions"


async def crunch_all(fn, items, workers: int) -> list:
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(
            await asyncio.gather(*(loop.run_in_executor(pool, fn, item) for item in items), return_exceptions=True)
        )
