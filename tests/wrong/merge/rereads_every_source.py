"""asyncio.wait over a fresh read of every source each round: a second read of a source while one is pending."""

import asyncio

CAUGHT_IN = "concurrency"


async def merge(*sources):
    iterators = [aiter(source) for source in sources]
    live = set(range(len(iterators)))
    reads = {}
    try:
        while live:
            reads = {asyncio.ensure_future(anext(iterators[index])): index for index in live}
            done, _ = await asyncio.wait(reads, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                try:
                    yield task.result()
                except StopAsyncIteration:
                    live.discard(reads[task])
    finally:
        for task in reads:
            task.cancel()
