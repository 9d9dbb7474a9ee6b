"""A TaskGroup around the calls: the first failure cancels every other call, so a later success never comes."""

import asyncio

CAUGHT_IN = "correctness"


async def first_success(coro_fns):
    if not coro_fns:
        raise ValueError("no functions")
    winner = None
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(coro_fn()) for coro_fn in coro_fns]
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        winner = done.pop()
        for task in pending:
            task.cancel()
    return winner.result()
