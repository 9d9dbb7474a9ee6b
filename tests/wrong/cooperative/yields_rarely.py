"""Yields every 200 items: 200 ms of work at a stretch while every other task waits."""

import asyncio

CAUGHT_IN = "concurrency"


async def process_all(items, work):
    results = []
    for count, item in enumerate(items, start=1):
        results.append(work(item))
        if count % 200 == 0:
            await asyncio.sleep(0)
    return results
