"""A bare except around each item 'to skip bad items': swallows work's errors and cancellation alike."""

import asyncio

CAUGHT_IN = "exceptions"


async def process_all(items, work):
    results = []
    for item in items:
        try:
            results.append(work(item))
            await asyncio.sleep(0)
        except:  # noqa: E722
            continue
    return results
