"""Every source read to its end at once, then the items yielded: nothing comes until the slowest source is done."""

import asyncio

CAUGHT_IN = "concurrency"


async def merge(*sources):
    async def collect(source):
        return [item async for item in source]

    for items in await asyncio.gather(*(collect(source) for source in sources)):
        for item in items:
            yield item
