"""Looks at only one of the tasks asyncio.wait reports done: a failure finishing beside it is never retrieved."""

import asyncio

CAUGHT_IN = "exceptions"


async def first_success(coro_fns):
    if not coro_fns:
        raise ValueError("no functions")
    pending = {asyncio.create_task(coro_fn()) for coro_fn in coro_fns}
    failures = []
    try:
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            task = done.pop()
            if task.exception() is None:
                return task.result()
            failures.append(task.exception())
        raise ExceptionGroup("every attempt failed", failures)
    finally:
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
