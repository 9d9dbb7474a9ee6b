"""A task per name counting prepares under an asyncio.Condition; the last one notifies all; a TaskGroup owns the
tasks."""

import asyncio


async def run_in_lockstep(prepare, run, names):
    condition = asyncio.Condition()
    prepared = 0

    async def one(name):
        nonlocal prepared
        await prepare(name)
        async with condition:
            prepared += 1
            condition.notify_all()
            await condition.wait_for(lambda: prepared == len(names))
        return await run(name)

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(name)) for name in names]
    except* Exception as failures:
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]
