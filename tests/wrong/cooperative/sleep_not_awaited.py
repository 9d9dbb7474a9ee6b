"""Calls asyncio.sleep(0) without await: a coroutine made and thrown away, and no yield at all."""

import asyncio

CAUGHT_IN = "concurrency"


async def process_all(items, work):
    results = []
    for count, item in enumerate(items, start=1):
        results.append(work(item))
        if count % 5 == 0:
            asyncio.sleep(0)
    return results
