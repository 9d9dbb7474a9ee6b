"""Calls read_blocking straight from the coroutine: right results, but every call blocks the event loop."""

CAUGHT_IN = "concurrency"


async def read_all(read_blocking, paths):
    return [read_blocking(path) for path in paths]
