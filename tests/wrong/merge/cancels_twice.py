"""Pending reads cancelled, then cancelled again while waiting for them (wait_for with a timeout that cancels too):
each source's read has its own cleanup cut short."""

import asyncio

CAUGHT_IN = "timeout"


async def merge(*sources):
    iterators = [aiter(source) for source in sources]
    live = set(range(len(iterators)))
    reads = {asyncio.ensure_future(anext(iterator)): index for index, iterator in enumerate(iterators)}
    try:
        while reads:
            done, _ = await asyncio.wait(reads, return_when=asyncio.FIRST_COMPLETED)
            task = done.pop()
            index = reads.pop(task)
            try:
                item = task.result()
            except StopAsyncIteration:
                live.discard(index)
                continue
            yield item
            reads[asyncio.ensure_future(anext(iterators[index]))] = index
    finally:
        for task in reads:
            task.cancel()
        await asyncio.sleep(0)
        for task in reads:
            task.cancel()  # "to be sure"
        if reads:
            await asyncio.wait(reads)
        for index in sorted(live):
            await iterators[index].aclose()
