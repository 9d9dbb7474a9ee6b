"""The prefetch cancelled on the way out, but not waited for: aclose() returns while it still runs."""

import asyncio

CAUGHT_IN = "timeout"


async def paginate(fetch_page):
    task = asyncio.create_task(fetch_page(None))
    try:
        while task is not None:
            items, token = await task
            task = None if token is None else asyncio.create_task(fetch_page(token))
            for item in items:
                yield item
    finally:
        if task is not None:
            task.cancel()
