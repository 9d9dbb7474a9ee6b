"""`workers` workers that each read the next item themselves, one read at a time under a Lock: nothing is read
ahead at all. A TaskGroup owns them; the source is closed in a finally."""

import asyncio


async def run_pipeline(source, handle, *, workers, buffer):
    if workers < 1 or buffer < 0:
        raise ValueError("workers must be at least 1 and buffer at least 0")
    items = aiter(source)
    reading = asyncio.Lock()
    results = {}
    counter = 0
    over = False

    async def worker():
        nonlocal counter, over
        while True:
            async with reading:
                if over:
                    return
                try:
                    item = await anext(items)
                except StopAsyncIteration:
                    over = True
                    return
                index, counter = counter, counter + 1
            results[index] = await handle(item)

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(workers):
                group.create_task(worker())
    except* Exception as failures:
        raise failures.exceptions[0] from None
    finally:
        if hasattr(items, "aclose"):
            await items.aclose()
    return [results[index] for index in range(len(results))]
