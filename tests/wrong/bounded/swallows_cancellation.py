"""A Semaphore and gather, cleaned up on every way out, but cancelling the call is caught and answered with []."""

import asyncio

CAUGHT_IN = "exceptions"


async def fetch_limited(fetch, keys, limit):
    if limit < 1:
        raise ValueError("limit must be at least 1")
    places = asyncio.Semaphore(limit)

    async def limited(key):
        async with places:
            return await fetch(key)

    tasks = [asyncio.create_task(limited(key)) for key in keys]
    try:
        return list(await asyncio.gather(*tasks))
    except asyncio.CancelledError:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return []
    except Exception:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
