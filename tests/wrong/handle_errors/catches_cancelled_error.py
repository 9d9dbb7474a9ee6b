"""Adds CancelledError to the caught errors, as if cancellation were a failure to recover from."""

import asyncio

CAUGHT_IN = "exceptions"


async def fetch_or_default(fetch, key, default):
    try:
        return await fetch(key)
    except (Exception, asyncio.CancelledError):
        return default
