"""Cancels the rest on aclose() (GeneratorExit) only: an error or a cancelled consumer leaves them running."""

import asyncio

CAUGHT_IN = "exceptions"


async def in_completion_order(coro_fns):
    tasks = [asyncio.create_task(fn()) for fn in coro_fns]
    try:
        for next_done in asyncio.as_completed(tasks):
            yield await next_done
    except GeneratorExit:
        for task in tasks:
            task.cancel()
        raise
