"""asyncio.to_thread(read_blocking(path)): the call runs in the loop before to_thread gets its result."""

import asyncio

CAUGHT_IN = "concurrency"


async def read_all(read_blocking, paths):
    return list(await asyncio.gather(*(asyncio.to_thread(read_blocking(path)) for path in paths)))
