"""Closes the source on every way out, but calls aclose() whether or not the source has one."""

import asyncio

CAUGHT_IN = "exceptions"


async def run_pipeline(source, handle, *, workers, buffer):
    if workers < 1 or buffer < 0:
        raise ValueError("workers must be at least 1 and buffer at least 0")
    items = aiter(source)
    in_hand = asyncio.Semaphore(workers + buffer + 1)
    handling = asyncio.Semaphore(workers)
    results = {}

    async def work(index, item):
        try:
            async with handling:
                results[index] = await handle(item)
        finally:
            in_hand.release()

    try:
        async with asyncio.TaskGroup() as group:
            index = 0
            while True:
                await in_hand.acquire()
                try:
                    item = await anext(items)
                except StopAsyncIteration:
                    break
                group.create_task(work(index, item))
                index += 1
    except* Exception as failures:
        raise failures.exceptions[0] from None
    finally:
        await items.aclose()
    return [results[index] for index in range(len(results))]
