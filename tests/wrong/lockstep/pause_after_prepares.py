"""Every prepare, then a short pause "to let everyone settle" before the runs: they start late."""

import asyncio

CAUGHT_IN = "concurrency"


async def run_in_lockstep(prepare, run, names):
    try:
        async with asyncio.TaskGroup() as group:
            for name in names:
                group.create_task(prepare(name))
        await asyncio.sleep(0.05)
        async with asyncio.TaskGroup() as group:
            runs = [group.create_task(run(name)) for name in names]
    except* Exception as failures:
        raise failures.exceptions[0] from None
    return [task.result() for task in runs]
