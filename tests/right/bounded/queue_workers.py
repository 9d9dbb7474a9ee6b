"""`limit` workers taking (index, key) pairs from an asyncio.Queue, gathered; cancelled and awaited on the way
out."""

import asyncio


async def fetch_limited(fetch, keys, limit):
    if limit < 1:
        raise ValueError("limit must be at least 1")
    queue = asyncio.Queue()
    for pair in enumerate(keys):
        queue.put_nowait(pair)
    results = [None] * queue.qsize()

    async def worker():
        while not queue.empty():
            index, key = queue.get_nowait()
            results[index] = await fetch(key)

    workers = [asyncio.create_task(worker()) for _ in range(min(limit, len(results)))]
    try:
        await asyncio.gather(*workers)
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    return results
