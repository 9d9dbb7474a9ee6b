"""Reference solution: blocking I/O in worker threads."""

import asyncio


async def read_all(read_blocking, paths):
    # to_thread runs each call in the loop's default thread pool; gather awaits them all at once, keeps path
    # order, and propagates the first failure as it is.
    return list(await asyncio.gather(*(asyncio.to_thread(read_blocking, path) for path in paths)))
