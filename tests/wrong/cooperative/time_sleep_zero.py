"""Yields with time.sleep(0), which lets other threads run, never other tasks."""

import time

CAUGHT_IN = "concurrency"


async def process_all(items, work):
    results = []
    for count, item in enumerate(items, start=1):
        results.append(work(item))
        if count % 5 == 0:
            time.sleep(0)
    return results
