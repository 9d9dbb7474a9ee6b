"""asyncio.wait on the prefetch (it never raises), then task.result(); gather(return_exceptions=True) to clean up."""

import asyncio


async def paginate(fetch_page):
    token = None
    prefetch = asyncio.create_task(fetch_page(token))
    try:
        while prefetch is not None:
            await asyncio.wait({prefetch})
            items, token = prefetch.result()
            prefetch = asyncio.create_task(fetch_page(token)) if token is not None else None
            for item in items:
                yield item
    finally:
        if prefetch is not None and not prefetch.done():
            prefetch.cancel()
        if prefetch is not None:
            await asyncio.gather(prefetch, return_exceptions=True)
