"""Slices of 8 items, each computed with a comprehension, with a turn for the loop between slices."""

import asyncio

SLICE = 8


async def process_all(items, work):
    results = []
    for start in range(0, len(items), SLICE):
        if start:
            await asyncio.sleep(0)
        results.extend([work(item) for item in items[start : start + SLICE]])
    return results
