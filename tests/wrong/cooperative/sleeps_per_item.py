"""Sleeps 10 ms after every item: the loop is free, but the work takes 11 times as long."""

import asyncio

CAUGHT_IN = "concurrency"


async def process_all(items, work):
    results = []
    for item in items:
        results.append(work(item))
        await asyncio.sleep(0.01)
    return results
