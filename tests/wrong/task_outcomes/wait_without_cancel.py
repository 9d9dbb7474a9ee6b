"""asyncio.wait for every task: right outcomes, but cancelled, it leaves every call running."""

import asyncio

CAUGHT_IN = "exceptions"


async def collect_outcomes(coro_fns) -> list:
    tasks = [asyncio.create_task(coro_fn()) for coro_fn in coro_fns]
    if tasks:
        await asyncio.wait(tasks)
    return [("error", task.exception()) if task.exception() is not None else ("ok", task.result()) for task in tasks]
