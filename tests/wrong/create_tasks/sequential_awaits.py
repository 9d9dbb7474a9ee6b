"""Awaits first, then second: right results, but second only starts once first has finished."""

CAUGHT_IN = "concurrency"


async def run_both(first, second) -> tuple:
    return await first(), await second()
