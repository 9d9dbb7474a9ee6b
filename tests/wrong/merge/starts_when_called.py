"""Reads started when merge(...) is called, not when the iteration begins: a plain function that returns a
generator over tasks it already started."""

import asyncio

CAUGHT_IN = "timeout"


def merge(*sources):
    queue = asyncio.Queue()
    iterators = [aiter(source) for source in sources]

    async def pump(iterator):
        try:
            while True:
                try:
                    await queue.put(("item", await anext(iterator)))
                except StopAsyncIteration:
                    await queue.put(("end", None))
                    return
        except asyncio.CancelledError:
            await iterator.aclose()
            raise

    pumps = [asyncio.ensure_future(pump(iterator)) for iterator in iterators]

    async def items():
        try:
            left = len(pumps)
            while left:
                kind, item = await queue.get()
                if kind == "end":
                    left -= 1
                else:
                    yield item
        finally:
            for task in pumps:
                task.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)

    return items()
