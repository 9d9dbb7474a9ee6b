"""A new pool of `workers` processes for every url: many more processes than asked for."""

import asyncio
from concurrent.futures import ProcessPoolExecutor

CAUGHT_IN = "concurrency"


async def fetch_and_parse(fetch, parse, urls, workers: int) -> list:
    loop = asyncio.get_running_loop()

    async def fetch_then_parse(url):
        body = await fetch(url)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return await loop.run_in_executor(pool, parse, body)

    return list(await asyncio.gather(*(fetch_then_parse(url) for url in urls)))
