"""The next page's fetch starts only once the first item has been taken: after it is handed over, not before."""

import asyncio

CAUGHT_IN = "concurrency"


async def paginate(fetch_page):
    items, token = await fetch_page(None)
    task = None
    try:
        while True:
            for index, item in enumerate(items):
                yield item
                if index == 0 and token is not None:
                    task = asyncio.create_task(fetch_page(token))
            if token is None:
                return
            if task is None:
                task = asyncio.create_task(fetch_page(token))
            items, token = await task
            task = None
    finally:
        if task is not None:
            task.cancel()
            await asyncio.wait([task])
