"""A source's error taken for its end: the merge goes on with the others, and ends quietly."""

import asyncio

CAUGHT_IN = "exceptions"


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
            except Exception:
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
