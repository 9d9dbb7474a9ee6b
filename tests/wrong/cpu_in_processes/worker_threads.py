"""asyncio.to_thread for every item: the loop is not blocked, but CPU-bound code in threads shares one GIL."""

import asyncio

CAUGHT_IN = "concurrency"


async def crunch_all(fn, items, workers: int) -> list:
    return list(await asyncio.gather(*(asyncio.to_thread(fn, item) for item in items)))
