"""A TaskGroup over the raw calls: the first failure cancels every other call."""

import asyncio

CAUGHT_IN = "exceptions"


async def collect_outcomes(coro_fns) -> list:
    tasks = []
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(coro_fn()) for coro_fn in coro_fns]
    except* Exception:
        pass  # every failure is read from its task below
    return [("error", task.exception()) if task.exception() is not None else ("ok", task.result()) for task in tasks]
