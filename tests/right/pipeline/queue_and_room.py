"""A producer task and `workers` consumer tasks joined by an unbounded asyncio.Queue, with a Semaphore counting
the items in hand; tasks started by hand, watched with asyncio.wait(FIRST_EXCEPTION), cancelled and awaited in a
finally."""

import asyncio

DONE = object()


async def run_pipeline(source, handle, *, workers, buffer):
    if workers < 1 or buffer < 0:
        raise ValueError("workers must be at least 1 and buffer at least 0")
    items = aiter(source)
    room = asyncio.Semaphore(workers + buffer + 1)
    queue = asyncio.Queue()
    results = {}

    async def produce():
        index = 0
        while True:
            await room.acquire()
            try:
                item = await anext(items)
            except StopAsyncIteration:
                break
            await queue.put((index, item))
            index += 1
        for _ in range(workers):
            await queue.put(DONE)

    async def consume():
        while (entry := await queue.get()) is not DONE:
            index, item = entry
            try:
                results[index] = await handle(item)
            finally:
                room.release()

    tasks = [asyncio.create_task(produce())] + [asyncio.create_task(consume()) for _ in range(workers)]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in tasks:
            if task in done and task.exception() is not None:
                raise task.exception()
        return [results[index] for index in range(len(results))]
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if hasattr(items, "aclose"):
            await items.aclose()
