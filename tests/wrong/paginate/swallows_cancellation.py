"""A cancelled consumer taken for the end of the pages: CancelledError caught and the iteration ended."""

import asyncio

CAUGHT_IN = "exceptions"


async def paginate(fetch_page):
    task = asyncio.create_task(fetch_page(None))
    try:
        while task is not None:
            try:
                items, token = await task
            except asyncio.CancelledError:
                return
            task = None if token is None else asyncio.create_task(fetch_page(token))
            for item in items:
                yield item
    finally:
        if task is not None:
            task.cancel()
            await asyncio.wait([task])
