"""Reference solution: results as they complete."""

import asyncio


async def in_completion_order(coro_fns):
    tasks = [asyncio.ensure_future(fn()) for fn in coro_fns]
    try:
        # as_completed hands back awaitables in the order the tasks finish; awaiting one gives its result
        # or raises its exception as it is.
        for next_done in asyncio.as_completed(tasks):
            yield await next_done
    finally:
        # Runs on a normal end, an exception, a cancellation and aclose() alike: nothing is left running.
        for task in tasks:
            task.cancel()
