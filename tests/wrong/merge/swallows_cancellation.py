"""A cancelled consumer taken for the end: CancelledError caught, the iteration ended quietly."""

import asyncio

CAUGHT_IN = "exceptions"


async def merge(*sources):
    iterators = [aiter(source) for source in sources]
    live = set(range(len(iterators)))
    reads = {asyncio.ensure_future(anext(iterator)): index for index, iterator in enumerate(iterators)}
    try:
        while reads:
            try:
                done, _ = await asyncio.wait(reads, return_when=asyncio.FIRST_COMPLETED)
            except asyncio.CancelledError:
                return
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
        if reads:
            await asyncio.wait(reads)
        for index in sorted(live):
            await iterators[index].aclose()
