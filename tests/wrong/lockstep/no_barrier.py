"""A task per name that runs right after its own prepare: a quick name runs while the others still prepare."""

import asyncio

CAUGHT_IN = "concurrency"


async def run_in_lockstep(prepare, run, names):
    async def one(name):
        await prepare(name)
        return await run(name)

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(name)) for name in names]
    except* Exception as failures:
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]
