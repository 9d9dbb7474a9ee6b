"""A TaskGroup over calls that catch their own errors: no task fails, so the group never cancels the rest."""

import asyncio


async def _outcome(coro_fn):
    try:
        return ("ok", await coro_fn())
    except Exception as error:
        return ("error", error)


async def collect_outcomes(coro_fns) -> list:
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(_outcome(coro_fn)) for coro_fn in coro_fns]
    return [task.result() for task in tasks]
