"""asyncio.wait with FIRST_COMPLETED in a loop; in a finally, cancel the rest and wait for them to end."""

import asyncio


async def first_success(coro_fns):
    if not coro_fns:
        raise ValueError("first_success() needs at least one function")
    tasks = [asyncio.create_task(coro_fn()) for coro_fn in coro_fns]
    pending = set(tasks)
    failures = []
    try:
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            winners = [task for task in done if task.exception() is None]
            failures.extend(task.exception() for task in done if task.exception() is not None)
            if winners:
                return winners[0].result()
        raise ExceptionGroup("every attempt failed", failures)
    finally:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
