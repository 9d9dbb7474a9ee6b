"""return_exceptions=True: a failure ends up in the list instead of being raised."""

import asyncio

CAUGHT_IN = "exceptions"


async def fetch_all(fetch, keys):
    return list(await asyncio.gather(*(fetch(key) for key in keys), return_exceptions=True))
