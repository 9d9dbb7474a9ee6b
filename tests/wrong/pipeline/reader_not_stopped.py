"""Workers in a TaskGroup, but the reader is a task of its own outside it: when a worker fails, the workers are
cancelled and the source closed, yet the reader goes on taking items."""

import asyncio

CAUGHT_IN = "timeout"


async def run_pipeline(source, handle, *, workers, buffer):
    if workers < 1 or buffer < 0:
        raise ValueError("workers must be at least 1 and buffer at least 0")
    items = aiter(source)
    queue = asyncio.Queue()
    room = asyncio.Semaphore(workers + buffer + 1)
    results = {}

    async def produce():
        index = 0
        try:
            while True:
                await room.acquire()
                try:
                    item = await anext(items)
                except StopAsyncIteration:
                    break
                queue.put_nowait((index, item))
                index += 1
        finally:
            for _ in range(workers):
                queue.put_nowait(None)

    async def consume():
        while (entry := await queue.get()) is not None:
            index, item = entry
            try:
                results[index] = await handle(item)
            finally:
                room.release()

    reader = asyncio.create_task(produce())
    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(workers):
                group.create_task(consume())
        await reader
    except* Exception as failures:
        raise failures.exceptions[0] from None
    finally:
        if reader.done() and hasattr(items, "aclose"):
            await items.aclose()
    return [results[index] for index in range(len(results))]
