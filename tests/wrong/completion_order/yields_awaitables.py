"""Yields what as_completed gives, awaitables, instead of awaiting them for their results."""

import asyncio

CAUGHT_IN = "correctness"


async def in_completion_order(coro_fns):
    tasks = [asyncio.create_task(fn()) for fn in coro_fns]
    try:
        for next_done in asyncio.as_completed(tasks):
            yield next_done
    finally:
        for task in tasks:
            task.cancel()
