"""A task per name: prepare, then wait at an asyncio.Barrier for the others, then run; a TaskGroup owns them."""

import asyncio


async def run_in_lockstep(prepare, run, names):
    if not names:
        return []
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
