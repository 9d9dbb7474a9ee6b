"""A source's error raised at once, with no cleanup for that path: the other reads are left pending."""

import asyncio

CAUGHT_IN = "exceptions"


async def merge(*sources):
    iterators = [aiter(source) for source in sources]
    live = set(range(len(iterators)))
    reads = {asyncio.ensure_future(anext(iterator)): index for index, iterator in enumerate(iterators)}
    closing = True
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
            except Exception:
                closing = False
                raise
            yield item
            reads[asyncio.ensure_future(anext(iterators[index]))] = index
    finally:
        if closing:
            for task in reads:
                task.cancel()
            if reads:
                await asyncio.wait(reads)
            for index in sorted(live):
                await iterators[index].aclose()
