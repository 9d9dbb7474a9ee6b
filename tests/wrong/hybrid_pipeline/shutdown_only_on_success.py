"""Shuts the pool down after the results are in, but not in a finally block: a failure leaves it running."""

import asyncio
from concurrent.futures import ProcessPoolExecutor

CAUGHT_IN = "exceptions"


async def fetch_and_parse(fetch, parse, urls, workers: int) -> list:
    loop = asyncio.get_running_loop()
    pool = ProcessPoolExecutor(max_workers=workers)

    async def fetch_then_parse(url):
        return await loop.run_in_executor(pool, parse, await fetch(url))

    results = await asyncio.gather(*(fetch_then_parse(url) for url in urls))
    pool.shutdown()
    return list(results)
