"""Reads `workers` items, handles them together, and only then reads the next batch: one slow item holds every
worker idle."""

import asyncio

CAUGHT_IN = "concurrency"


async def run_pipeline(source, handle, *, workers, buffer):
    if workers < 1 or buffer < 0:
        raise ValueError("workers must be at least 1 and buffer at least 0")
    items = aiter(source)
    results = []
    try:
        while True:
            batch = []
            for _ in range(workers):
                try:
                    batch.append(await anext(items))
                except StopAsyncIteration:
                    break
            if not batch:
                return results
            try:
                async with asyncio.TaskGroup() as group:
                    tasks = [group.create_task(handle(item)) for item in batch]
            except* Exception as failures:
                raise failures.exceptions[0] from None
            results += [task.result() for task in tasks]
    finally:
        if hasattr(items, "aclose"):
            await items.aclose()
