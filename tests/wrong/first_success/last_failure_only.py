"""When every call fails, raises the last failure alone instead of an ExceptionGroup of all of them."""

import asyncio

CAUGHT_IN = "exceptions"


async def first_success(coro_fns):
    if not coro_fns:
        raise ValueError("no functions")
    tasks = [asyncio.create_task(coro_fn()) for coro_fn in coro_fns]
    last_failure = None
    try:
        for next_done in asyncio.as_completed(tasks):
            try:
                return await next_done
            except Exception as error:
                last_failure = error
        raise last_failure
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
