"""Returns the first success but never cancels the other calls: they go on running in the background."""

import asyncio

CAUGHT_IN = "timeout"


async def first_success(coro_fns):
    if not coro_fns:
        raise ValueError("no functions")
    failures = []
    for next_done in asyncio.as_completed([asyncio.ensure_future(coro_fn()) for coro_fn in coro_fns]):
        try:
            return await next_done
        except Exception as error:
            failures.append(error)
    raise ExceptionGroup("every attempt failed", failures)
