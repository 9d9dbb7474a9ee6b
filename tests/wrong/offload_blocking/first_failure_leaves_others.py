"""A task per path, awaited in path order: after the first failure, later failures are never retrieved."""

import asyncio

CAUGHT_IN = "exceptions"


async def read_all(read_blocking, paths):
    tasks = [asyncio.create_task(asyncio.to_thread(read_blocking, path)) for path in paths]
    return [await task for task in tasks]
