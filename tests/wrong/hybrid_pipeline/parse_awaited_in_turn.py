"""Parses each body as it arrives, but awaits each parse before taking the next body: one process at a time."""

import asyncio
from concurrent.futures import ProcessPoolExecutor

CAUGHT_IN = "concurrency"


async def fetch_and_parse(fetch, parse, urls, workers: int) -> list:
    loop = asyncio.get_running_loop()

    async def indexed_fetch(index, url):
        return index, await fetch(url)

    results = [None] * len(urls)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for next_body in asyncio.as_completed([indexed_fetch(index, url) for index, url in enumerate(urls)]):
            index, body = await next_body
            results[index] = await loop.run_in_executor(pool, parse, body)
    return results
