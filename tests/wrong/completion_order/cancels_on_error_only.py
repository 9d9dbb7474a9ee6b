"""Cancels the rest when a call raises, but not when the consumer closes the generator early."""

import asyncio

CAUGHT_IN = "timeout"


async def in_completion_order(coro_fns):
    tasks = [asyncio.create_task(fn()) for fn in coro_fns]
    try:
        for next_done in asyncio.as_completed(tasks):
            yield await next_done
    except Exception:
        for task in tasks:
            task.cancel()
        raise
