"""Turns every failure of the fetch into a TimeoutError."""

import asyncio

CAUGHT_IN = "exceptions"


async def fetch_with_timeout(fetch, key, timeout):
    try:
        return await asyncio.wait_for(fetch(key), timeout)
    except Exception as error:
        raise TimeoutError from error
