"""The pending reads are cancelled and waited for, but the sources are never closed: their cleanup never runs."""

import asyncio

CAUGHT_IN = "timeout"


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
                continue
            yield item
            reads[asyncio.ensure_future(anext(iterators[index]))] = index
    finally:
        for task in reads:
            task.cancel()
        if reads:
            await asyncio.wait(reads)
