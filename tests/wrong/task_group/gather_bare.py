"""asyncio.gather: the first failure comes out bare, and the other fetches are left running."""

import asyncio

CAUGHT_IN = "exceptions"


async def fetch_all_or_nothing(fetch, keys):
    return list(await asyncio.gather(*(fetch(key) for key in keys)))
