"""Fetches one url after another, handing each body to the pool as it comes: the fetches never overlap."""

import asyncio
from concurrent.futures import ProcessPoolExecutor

CAUGHT_IN = "concurrency"


async def fetch_and_parse(fetch, parse, urls, workers: int) -> list:
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        parses = []
        for url in urls:
            body = await fetch(url)
            parses.append(loop.run_in_executor(pool, parse, body))
        return list(await asyncio.gather(*parses))
