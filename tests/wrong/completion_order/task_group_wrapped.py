"""A TaskGroup feeding a queue: a call's error comes out wrapped in an ExceptionGroup."""

import asyncio

CAUGHT_IN = "exceptions"


async def in_completion_order(coro_fns):
    queue = asyncio.Queue()

    async def run(fn):
        queue.put_nowait(await fn())

    async with asyncio.TaskGroup() as group:
        for fn in coro_fns:
            group.create_task(run(fn))
        for _ in coro_fns:
            yield await queue.get()
