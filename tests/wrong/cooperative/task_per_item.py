"""A task per item that yields once and then works: all the tasks do their work in the same turn of the loop."""

import asyncio

CAUGHT_IN = "concurrency"


async def process_all(items, work):
    async def one(item):
        await asyncio.sleep(0)
        return work(item)

    return list(await asyncio.gather(*(one(item) for item in items)))
