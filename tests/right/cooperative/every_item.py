"""Yields before every item: the most frequent sensible yield, still cheap next to a millisecond of work."""

import asyncio


async def process_all(items, work):
    results = []
    for item in items:
        await asyncio.sleep(0)
        results.append(work(item))
    return results
