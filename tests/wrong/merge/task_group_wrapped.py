"""Readers in a TaskGroup inside the generator: a source's error comes out wrapped in an ExceptionGroup."""

import asyncio

CAUGHT_IN = "exceptions"


async def merge(*sources):
    queue = asyncio.Queue()

    async def read(source):
        async for item in source:
            await queue.put(item)
        await queue.put(queue)

    async with asyncio.TaskGroup() as group:
        for source in sources:
            group.create_task(read(source))
        left = len(sources)
        while left:
            item = await queue.get()
            if item is queue:
                left -= 1
            else:
                yield item
