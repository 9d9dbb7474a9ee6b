"""Runs work in a task and releases as soon as the task is cancelled, without waiting for it to end."""

import asyncio

CAUGHT_IN = "timeout"


async def with_resource(acquire, release, work):
    resource = await acquire()
    task = asyncio.create_task(work(resource))
    try:
        done, _ = await asyncio.wait({task})
    except asyncio.CancelledError:
        task.cancel()
        await release(resource)
        raise
    await release(resource)
    return task.result()
