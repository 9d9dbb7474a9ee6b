"""A Barrier in a TaskGroup, but each result is appended as its run ends: completion order, not name order."""

import asyncio

CAUGHT_IN = "correctness"


async def run_in_lockstep(prepare, run, names):
    if not names:
        return []
    barrier = asyncio.Barrier(len(names))
    results = []

    async def one(name):
        await prepare(name)
        await barrier.wait()
        results.append(await run(name))

    try:
        async with asyncio.TaskGroup() as group:
            for name in names:
                group.create_task(one(name))
    except* Exception as failures:
        raise failures.exceptions[0] from None
    return results
