"""asyncio.wait_for: cancels the fetch and raises TimeoutError when time is up."""

import asyncio


async def fetch_with_timeout(fetch, key, timeout):
    return await asyncio.wait_for(fetch(key), timeout)
