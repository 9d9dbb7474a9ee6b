"""Each source's task closes its own source when cancelled; the generator waits for the tasks, so every close is
over before the merge's aclose() returns. Items go through a queue; one item in flight per source (a handshake)."""

import asyncio


async def merge(*sources):
    iterators = [aiter(source) for source in sources]
    outcomes = asyncio.Queue()

    async def pump(iterator):
        ended = False
        try:
            while True:
                try:
                    item = await anext(iterator)
                except StopAsyncIteration:
                    ended = True
                    await outcomes.put(("end", None))
                    return
                except BaseException as error:
                    ended = not isinstance(error, asyncio.CancelledError)
                    if ended:
                        await outcomes.put(("error", error))
                    raise
                taken = asyncio.Event()
                await outcomes.put(("item", (item, taken)))
                await taken.wait()  # no reading ahead: the next read starts once the consumer has this item
        finally:
            if not ended and hasattr(iterator, "aclose"):
                await iterator.aclose()

    pumps = [asyncio.create_task(pump(iterator)) for iterator in iterators]
    try:
        left = len(pumps)
        while left:
            kind, value = await outcomes.get()
            if kind == "end":
                left -= 1
            elif kind == "error":
                raise value
            else:
                item, taken = value
                taken.set()
                yield item
    finally:
        for task in pumps:
            task.cancel()
        await asyncio.wait(pumps) if pumps else None
        for task in pumps:
            if not task.cancelled():
                task.exception()  # the errors put in the queue and not raised: seen, and dropped
