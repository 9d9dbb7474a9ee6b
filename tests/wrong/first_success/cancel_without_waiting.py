"""Cancels the other calls but returns at once, without waiting for them to end."""

import asyncio

CAUGHT_IN = "timeout"


async def first_success(coro_fns):
    if not coro_fns:
        raise ValueError("no functions")
    pending = {asyncio.create_task(coro_fn()) for coro_fn in coro_fns}
    failures = []
    while pending:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        failures += [task.exception() for task in done if task.exception() is not None]
        if succeeded := [task for task in done if task.exception() is None]:
            for other in pending:
                other.cancel()
            return succeeded[0].result()
    raise ExceptionGroup("every attempt failed", failures)
