"""`while token:` after the first page: a token of 0 or '' ends the iteration early."""

import asyncio

CAUGHT_IN = "correctness"


async def paginate(fetch_page):
    task = asyncio.create_task(fetch_page(None))
    try:
        while task is not None:
            items, token = await task
            task = asyncio.create_task(fetch_page(token)) if token else None
            for item in items:
                yield item
    finally:
        if task is not None:
            task.cancel()
            await asyncio.wait([task])
