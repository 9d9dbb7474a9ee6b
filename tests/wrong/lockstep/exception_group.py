"""Two TaskGroups in a row, but the ExceptionGroup is let out instead of the failure itself."""

import asyncio

CAUGHT_IN = "exceptions"


async def run_in_lockstep(prepare, run, names):
    async with asyncio.TaskGroup() as group:
        for name in names:
            group.create_task(prepare(name))
    async with asyncio.TaskGroup() as group:
        runs = [group.create_task(run(name)) for name in names]
    return [task.result() for task in runs]
