"""Pumps into a queue, and nothing on the way out: a consumer that stops early leaves every read pending."""

import asyncio

CAUGHT_IN = "timeout"


async def merge(*sources):
    queue = asyncio.Queue()

    async def pump(source):
        async for item in source:
            await queue.put(item)
        await queue.put(queue)

    tasks = [asyncio.create_task(pump(source)) for source in sources]
    left = len(tasks)
    while left:
        item = await queue.get()
        if item is queue:
            left -= 1
        else:
            yield item
