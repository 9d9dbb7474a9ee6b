"""Reference solution: cooperative yielding."""

import asyncio

BATCH = 5  # items of about a millisecond: the loop gets a turn every 5 ms or so


async def process_all(items, work):
    results = []
    for count, item in enumerate(items, start=1):
        results.append(work(item))
        if count % BATCH == 0:
            await asyncio.sleep(0)  # one turn of the loop: every ready task runs, then this resumes
    return results
