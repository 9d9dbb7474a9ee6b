"""A Semaphore around each call and asyncio.gather: the first failure comes out, but the other calls, and the
keys still waiting for a place, go on running."""

import asyncio

CAUGHT_IN = "timeout"


async def fetch_limited(fetch, keys, limit):
    if limit < 1:
        raise ValueError("limit must be at least 1")
    places = asyncio.Semaphore(limit)

    async def limited(key):
        async with places:
            return await fetch(key)

    return list(await asyncio.gather(*(limited(key) for key in keys)))
