"""wait_for around shield: the timeout fires, but the fetch cannot be cancelled."""

import asyncio

CAUGHT_IN = "timeout"


async def fetch_with_timeout(fetch, key, timeout):
    return await asyncio.wait_for(asyncio.shield(fetch(key)), timeout)
