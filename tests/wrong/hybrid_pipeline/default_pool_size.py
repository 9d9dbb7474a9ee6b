"""Ignores workers: a pool of the default size, one process per CPU."""

import asyncio
from concurrent.futures import ProcessPoolExecutor

CAUGHT_IN = "concurrency"


async def fetch_and_parse(fetch, parse, urls, workers: int) -> list:
    loop = asyncio.get_running_loop()

    async def fetch_then_parse(url):
        return await loop.run_in_executor(pool, parse, await fetch(url))

    with ProcessPoolExecutor() as pool:
        return list(await asyncio.gather(*(fetch_then_parse(url) for url in urls)))
