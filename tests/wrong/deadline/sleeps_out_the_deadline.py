"""Runs the steps in a task, then sleeps for the whole deadline before looking at it: never early."""

import asyncio

CAUGHT_IN = "timeout"


async def run_steps(steps, deadline):
    async def run_all():
        return [await step() for step in steps]

    task = asyncio.create_task(run_all())
    await asyncio.sleep(deadline)
    if task.done():
        return task.result()
    task.cancel()
    raise TimeoutError
