"""asyncio.gather with the failure wrapped in an ExceptionGroup: but the other fetches are never cancelled."""

import asyncio

CAUGHT_IN = "timeout"


async def fetch_all_or_nothing(fetch, keys):
    try:
        return list(await asyncio.gather(*(fetch(key) for key in keys)))
    except Exception as error:
        raise ExceptionGroup("a fetch failed", [error]) from None
