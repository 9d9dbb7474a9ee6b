"""A task per name; the last prepare to end sets an Event that every task waits on; watched with
asyncio.wait(FIRST_EXCEPTION), cancelled and awaited in a finally."""

import asyncio


async def run_in_lockstep(prepare, run, names):
    ready = asyncio.Event()
    left = len(names)

    async def one(name):
        nonlocal left
        await prepare(name)
        left -= 1
        if left == 0:
            ready.set()
        await ready.wait()
        return await run(name)

    tasks = [asyncio.create_task(one(name)) for name in names]
    if not tasks:
        return []
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in tasks:
            if task in done and task.exception() is not None:
                raise task.exception()
        return [task.result() for task in tasks]
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
