"""A Barrier sized by the names, made before looking at them: asyncio.Barrier(0) raises ValueError for no names."""

import asyncio

CAUGHT_IN = "correctness"


async def run_in_lockstep(prepare, run, names):
    barrier = asyncio.Barrier(len(names))

    async def one(name):
        await prepare(name)
        await barrier.wait()
        return await run(name)

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(name)) for name in names]
    except* Exception as failures:
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]
