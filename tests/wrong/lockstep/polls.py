"""A task per name that, once prepared, checks a counter every 20 ms until every prepare has ended: the runs
start at the next poll, not when the last prepare ends."""

import asyncio

CAUGHT_IN = "concurrency"


async def run_in_lockstep(prepare, run, names):
    prepared = 0

    async def one(name):
        nonlocal prepared
        await prepare(name)
        prepared += 1
        while prepared < len(names):
            await asyncio.sleep(0.02)
        return await run(name)

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(name)) for name in names]
    except* Exception as failures:
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]
