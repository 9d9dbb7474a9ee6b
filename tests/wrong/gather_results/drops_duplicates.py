"""Fetches each distinct key once, losing the duplicates."""

import asyncio

CAUGHT_IN = "correctness"


async def fetch_all(fetch, keys):
    unique = list(dict.fromkeys(keys))
    return list(await asyncio.gather(*(fetch(key) for key in unique)))
