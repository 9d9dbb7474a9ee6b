"""A TaskGroup of wrappers that keep each failure; the first success cancels its siblings, the group waits."""

import asyncio


async def first_success(coro_fns):
    if not coro_fns:
        raise ValueError("first_success() needs at least one function")
    failures = []
    results = []
    tasks = []

    async def attempt(coro_fn):
        try:
            result = await coro_fn()
        except Exception as error:
            failures.append(error)
            return
        if not results:
            results.append(result)
            for task in tasks:
                if task is not asyncio.current_task():
                    task.cancel()

    async with asyncio.TaskGroup() as group:
        tasks.extend(group.create_task(attempt(coro_fn)) for coro_fn in coro_fns)
    if results:
        return results[0]
    raise ExceptionGroup("every attempt failed", failures)
