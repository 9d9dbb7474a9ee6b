"""A producer and workers joined by asyncio.Queue(maxsize=buffer): right for buffer > 0, but maxsize=0 means no
bound at all, so with buffer 0 the producer reads the whole source ahead."""

import asyncio

CAUGHT_IN = "concurrency"


async def run_pipeline(source, handle, *, workers, buffer):
    if workers < 1 or buffer < 0:
        raise ValueError("workers must be at least 1 and buffer at least 0")
    items = aiter(source)
    queue = asyncio.Queue(maxsize=buffer)
    results = {}

    async def produce():
        index = 0
        async for item in items:
            await queue.put((index, item))
            index += 1
        for _ in range(workers):
            await queue.put(None)

    async def consume():
        while (entry := await queue.get()) is not None:
            index, item = entry
            results[index] = await handle(item)

    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(produce())
            for _ in range(workers):
                group.create_task(consume())
    except* Exception as failures:
        raise failures.exceptions[0] from None
    finally:
        if hasattr(items, "aclose"):
            await items.aclose()
    return [results[index] for index in range(len(results))]
