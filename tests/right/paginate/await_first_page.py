"""The first page awaited in place; each later page prefetched in a task, cancelled and awaited on the way out."""

import asyncio


async def paginate(fetch_page):
    items, token = await fetch_page(None)
    task = None
    try:
        while True:
            task = None if token is None else asyncio.ensure_future(fetch_page(token))
            for item in items:
                yield item
            if task is None:
                return
            items, token = await task
            task = None
    finally:
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception:
                pass  # a prefetch nobody asked for: its error is dropped
