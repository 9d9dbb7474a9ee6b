"""Calls fn right in the coroutine: no pool at all, and the event loop is blocked while it computes."""

CAUGHT_IN = "concurrency"


async def crunch_all(fn, items, workers: int) -> list:
    return [fn(item) for item in items]
