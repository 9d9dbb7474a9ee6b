"""The pending reads are cancelled, then the sources closed at once, before the cancelled reads have ended."""

import asyncio
import contextlib

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
        for index in live:
            with contextlib.suppress(RuntimeError):
                await iterators[index].aclose()
