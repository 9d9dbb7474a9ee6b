"""Cancels the other task after a failure, but raises without waiting for it to finish."""

import asyncio

CAUGHT_IN = "exceptions"


async def run_both(first, second) -> tuple:
    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    try:
        return tuple(await asyncio.gather(*tasks))
    except Exception:
        for task in tasks:
            task.cancel()
        raise
