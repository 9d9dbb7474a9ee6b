"""asyncio.wait with FIRST_COMPLETED, every read that completed handled in turn before waiting again."""

import asyncio


async def merge(*sources):
    iterators = {index: aiter(source) for index, source in enumerate(sources)}
    reads = {asyncio.ensure_future(anext(iterator)): index for index, iterator in iterators.items()}
    try:
        while reads:
            done, _ = await asyncio.wait(reads, return_when=asyncio.FIRST_COMPLETED)
            for task in sorted(done, key=reads.get):
                index = reads.pop(task)
                try:
                    item = task.result()
                except StopAsyncIteration:
                    del iterators[index]
                    continue
                except Exception:
                    del iterators[index]
                    raise
                yield item
                reads[asyncio.ensure_future(anext(iterators[index]))] = index
    finally:
        for task in reads:
            task.cancel()
        if reads:
            await asyncio.gather(*reads, return_exceptions=True)
        for iterator in iterators.values():
            if hasattr(iterator, "aclose"):
                await iterator.aclose()
