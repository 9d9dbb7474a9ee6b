"""Reads the whole source into a list first, then handles it with `workers` workers: no backpressure at all."""

import asyncio

CAUGHT_IN = "concurrency"


async def run_pipeline(source, handle, *, workers, buffer):
    if workers < 1 or buffer < 0:
        raise ValueError("workers must be at least 1 and buffer at least 0")
    items = [item async for item in source]
    slots = asyncio.Semaphore(workers)

    async def one(item):
        async with slots:
            return await handle(item)

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(item)) for item in items]
    except* Exception as failures:
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]
