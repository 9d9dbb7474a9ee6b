"""Reference solution: the first success wins."""

import asyncio


async def first_success(coro_fns):
    if not coro_fns:
        raise ValueError("first_success() needs at least one function")
    tasks = [asyncio.create_task(coro_fn()) for coro_fn in coro_fns]
    failures = []
    try:
        # as_completed hands the tasks back in the order they finish; awaiting one gives its result or raises.
        for next_done in asyncio.as_completed(tasks):
            try:
                return await next_done
            except Exception as error:
                failures.append(error)
        raise ExceptionGroup("every attempt failed", failures)
    finally:
        # Whether it returns, raises or is cancelled: cancel the rest, and wait until they have ended.
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
