"""Executor futures awaited in path order: after the first failure, later failures are never retrieved."""

import asyncio

CAUGHT_IN = "exceptions"


async def read_all(read_blocking, paths):
    loop = asyncio.get_running_loop()
    futures = [loop.run_in_executor(None, read_blocking, path) for path in paths]
    return [await future for future in futures]
