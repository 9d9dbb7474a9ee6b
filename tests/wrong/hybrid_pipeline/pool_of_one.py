"""Ignores workers: a pool of one process, so the parses never run side by side."""

import asyncio
from concurrent.futures import ProcessPoolExecutor

CAUGHT_IN = "concurrency"


async def fetch_and_parse(fetch, parse, urls, workers: int) -> list:
    loop = asyncio.get_running_loop()

    async def fetch_then_parse(url):
        return await loop.run_in_executor(pool, parse, await fetch(url))

    with ProcessPoolExecutor(max_workers=1) as pool:
        return list(await asyncio.gather(*(fetch_then_parse(url) for url in urls)))
