"""A task per source drains it into a queue (one read pending per source, as a loop of awaits is); the generator
reads the queue. On the way out: cancel the pumps, wait for them, close what is still open."""

import asyncio

END = object()


async def merge(*sources):
    iterators = [aiter(source) for source in sources]
    queue = asyncio.Queue()
    still_open = set(range(len(iterators)))

    async def pump(index):
        try:
            while True:
                try:
                    item = await anext(iterators[index])
                except StopAsyncIteration:
                    still_open.discard(index)
                    queue.put_nowait((index, END, None))
                    return
                except Exception as error:
                    still_open.discard(index)
                    queue.put_nowait((index, None, error))
                    return
                queue.put_nowait((index, item, None))
        except asyncio.CancelledError:
            raise

    pumps = [asyncio.create_task(pump(index)) for index in range(len(iterators))]
    try:
        running = len(pumps)
        while running:
            index, item, error = await queue.get()
            if error is not None:
                raise error
            if item is END:
                running -= 1
                continue
            yield item
    finally:
        for task in pumps:
            task.cancel()
        await asyncio.gather(*pumps, return_exceptions=True)
        for index in sorted(still_open):
            if hasattr(iterators[index], "aclose"):
                await iterators[index].aclose()
