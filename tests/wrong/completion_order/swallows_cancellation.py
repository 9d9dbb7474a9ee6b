"""Stops quietly when closed or cancelled: the cancelled consumer's iteration just ends, as if it were done."""

import asyncio

CAUGHT_IN = "exceptions"


async def in_completion_order(coro_fns):
    tasks = [asyncio.create_task(fn()) for fn in coro_fns]
    try:
        for next_done in asyncio.as_completed(tasks):
            yield await next_done
    except (GeneratorExit, asyncio.CancelledError):
        for task in tasks:
            task.cancel()
        return
    finally:
        for task in tasks:
            task.cancel()
