"""Concurrent, but collects results in the order they finish."""

import asyncio

CAUGHT_IN = "correctness"


async def fetch_all(fetch, keys):
    return [await next_done for next_done in asyncio.as_completed([fetch(key) for key in keys])]
