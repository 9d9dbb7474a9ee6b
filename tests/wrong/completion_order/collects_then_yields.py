"""Right order, but every result is collected from as_completed before the first one is yielded."""

import asyncio

CAUGHT_IN = "concurrency"


async def in_completion_order(coro_fns):
    tasks = [asyncio.create_task(fn()) for fn in coro_fns]
    try:
        results = [await next_done for next_done in asyncio.as_completed(tasks)]
    finally:
        for task in tasks:
            task.cancel()
    for result in results:
        yield result
