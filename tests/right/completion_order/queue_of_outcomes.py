"""Each call runs in a wrapper that puts its result or its exception in a queue; the generator reads the queue."""

import asyncio


async def in_completion_order(coro_fns):
    outcomes = asyncio.Queue()

    async def call(fn):
        try:
            outcomes.put_nowait((True, await fn()))
        except Exception as error:
            outcomes.put_nowait((False, error))

    tasks = [asyncio.create_task(call(fn)) for fn in coro_fns]
    try:
        for _ in tasks:
            ok, value = await outcomes.get()
            if not ok:
                raise value
            yield value
    finally:
        for task in tasks:
            task.cancel()
