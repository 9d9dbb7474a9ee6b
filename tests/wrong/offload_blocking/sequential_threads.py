"""Each call in a worker thread, but awaited before the next starts: the loop is free, the calls one at a time."""

import asyncio

CAUGHT_IN = "concurrency"


async def read_all(read_blocking, paths):
    return [await asyncio.to_thread(read_blocking, path) for path in paths]
