"""Works in batches of 10 and yields between them, but forgets the last, shorter batch."""

import asyncio

CAUGHT_IN = "correctness"


async def process_all(items, work):
    results = []
    for batch in range(len(items) // 10):
        results.extend(work(item) for item in items[batch * 10 : (batch + 1) * 10])
        await asyncio.sleep(0)
    return results
