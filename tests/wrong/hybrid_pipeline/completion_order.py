"""A pipeline, but collects the results in the order the parses finish."""

import asyncio
from concurrent.futures import ProcessPoolExecutor

CAUGHT_IN = "correctness"


async def fetch_and_parse(fetch, parse, urls, workers: int) -> list:
    loop = asyncio.get_running_loop()

    async def fetch_then_parse(url):
        return await loop.run_in_executor(pool, parse, await fetch(url))

    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [await next_done for next_done in asyncio.as_completed([fetch_then_parse(url) for url in urls])]
