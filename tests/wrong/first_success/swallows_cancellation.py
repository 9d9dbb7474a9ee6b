"""Catches BaseException around each call, so the caller's own cancellation counts as one more failed call."""

import asyncio

CAUGHT_IN = "exceptions"


async def first_success(coro_fns):
    if not coro_fns:
        raise ValueError("no functions")
    tasks = [asyncio.create_task(coro_fn()) for coro_fn in coro_fns]
    failures = []
    try:
        for next_done in asyncio.as_completed(tasks):
            try:
                return await next_done
            except BaseException as error:
                failures.append(error)
        raise ExceptionGroup("every attempt failed", [f for f in failures if isinstance(f, Exception)])
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
