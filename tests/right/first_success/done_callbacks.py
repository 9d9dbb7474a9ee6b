"""Each task's done callback feeds a queue; the caller takes finished tasks off it in order."""

import asyncio


async def first_success(coro_fns):
    if not coro_fns:
        raise ValueError("first_success() needs at least one function")
    finished = asyncio.Queue()
    tasks = []
    for coro_fn in coro_fns:
        task = asyncio.ensure_future(coro_fn())
        task.add_done_callback(finished.put_nowait)
        tasks.append(task)
    failures = []
    try:
        for _ in tasks:
            task = await finished.get()
            if task.cancelled():
                continue
            if task.exception() is None:
                return task.result()
            failures.append(task.exception())
        raise ExceptionGroup("every attempt failed", failures)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
