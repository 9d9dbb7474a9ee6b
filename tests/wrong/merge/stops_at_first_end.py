"""The iteration ends as soon as any one source is exhausted."""

import asyncio

CAUGHT_IN = "correctness"


async def merge(*sources):
    iterators = [aiter(source) for source in sources]
    reads = {asyncio.ensure_future(anext(iterator)): index for index, iterator in enumerate(iterators)}
    try:
        while reads:
            done, _ = await asyncio.wait(reads, return_when=asyncio.FIRST_COMPLETED)
            task = done.pop()
            index = reads.pop(task)
            try:
                item = task.result()
            except StopAsyncIteration:
                return
            yield item
            reads[asyncio.ensure_future(anext(iterators[index]))] = index
    finally:
        for task in reads:
            task.cancel()
        if reads:
            await asyncio.wait(reads)
        for iterator in iterators:
            await iterator.aclose()
