"""Catches CancelledError as if it were the timeout, so cancelling the caller raises TimeoutError."""

import asyncio

CAUGHT_IN = "exceptions"


async def fetch_with_timeout(fetch, key, timeout):
    try:
        return await asyncio.wait_for(fetch(key), timeout)
    except asyncio.CancelledError:
        raise TimeoutError from None
