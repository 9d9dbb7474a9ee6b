"""The prefetch in a TaskGroup: its failure comes out wrapped in an ExceptionGroup."""

import asyncio

CAUGHT_IN = "exceptions"


async def paginate(fetch_page):
    async with asyncio.TaskGroup() as group:
        task = group.create_task(fetch_page(None))
        while task is not None:
            items, token = await task
            task = None if token is None else group.create_task(fetch_page(token))
            for item in items:
                yield item
