"""Workers reading under a Lock, cleaned up on every way out, but cancelling the call is caught and answered with
the results so far."""

import asyncio

CAUGHT_IN = "exceptions"


async def run_pipeline(source, handle, *, workers, buffer):
    if workers < 1 or buffer < 0:
        raise ValueError("workers must be at least 1 and buffer at least 0")
    items = aiter(source)
    reading = asyncio.Lock()
    results = {}
    counter = 0

    async def worker():
        nonlocal counter
        while True:
            async with reading:
                try:
                    item = await anext(items)
                except StopAsyncIteration:
                    return
                index, counter = counter, counter + 1
            results[index] = await handle(item)

    tasks = [asyncio.create_task(worker()) for _ in range(workers)]
    try:
        await asyncio.gather(*tasks)
    except asyncio.CancelledError:
        pass
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if hasattr(items, "aclose"):
            await items.aclose()
    return [results[index] for index in sorted(results)]
