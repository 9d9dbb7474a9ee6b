"""Yields whenever 5 ms of work have passed since the last turn, whatever each item costs."""

import asyncio
import time

SLICE = 0.005


async def process_all(items, work):
    results = []
    deadline = time.monotonic() + SLICE
    for item in items:
        results.append(work(item))
        if time.monotonic() >= deadline:
            await asyncio.sleep(0)
            deadline = time.monotonic() + SLICE
    return results
