"""An empty page taken for the end."""

import asyncio

CAUGHT_IN = "correctness"


async def paginate(fetch_page):
    task = asyncio.create_task(fetch_page(None))
    try:
        while task is not None:
            items, token = await task
            if not items:
                task = None
                return
            task = None if token is None else asyncio.create_task(fetch_page(token))
            for item in items:
                yield item
    finally:
        if task is not None:
            task.cancel()
            await asyncio.wait([task])
