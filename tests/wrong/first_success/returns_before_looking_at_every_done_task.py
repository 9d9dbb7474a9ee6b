"""Returns on the first success it finds among the tasks asyncio.wait reports done: failed tasks after it in
that set are never looked at, and their exceptions are never retrieved."""

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
            for task in done:
                if task.exception() is None:
                    return task.result()
                failures.append(task.exception())
        raise ExceptionGroup("every attempt failed", failures)
    finally:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
