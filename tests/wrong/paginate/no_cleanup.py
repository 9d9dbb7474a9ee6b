"""A prefetch with no cleanup: a consumer that stops early leaves the fetch running."""

import asyncio

CAUGHT_IN = "timeout"


async def paginate(fetch_page):
    task = asyncio.create_task(fetch_page(None))
    while task is not None:
        items, token = await task
        task = None if token is None else asyncio.create_task(fetch_page(token))
        for item in items:
            yield item
