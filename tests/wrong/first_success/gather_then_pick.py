"""Waits for every call (gather with return_exceptions=True), then picks the first success in list order."""

import asyncio

CAUGHT_IN = "concurrency"


async def first_success(coro_fns):
    if not coro_fns:
        raise ValueError("no functions")
    results = await asyncio.gather(*(coro_fn() for coro_fn in coro_fns), return_exceptions=True)
    for result in results:
        if not isinstance(result, BaseException):
            return result
    raise ExceptionGroup("every attempt failed", list(results))
