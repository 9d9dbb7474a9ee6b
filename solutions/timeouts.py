"""Reference solution: timeouts."""

import asyncio


async def fetch_with_timeout(fetch, key, timeout: float):
    # asyncio.timeout cancels the fetch in place when time is up and turns that cancellation into TimeoutError.
    async with asyncio.timeout(timeout):
        return await fetch(key)
