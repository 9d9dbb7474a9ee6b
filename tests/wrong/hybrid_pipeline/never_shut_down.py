"""Never shuts the pool down: its processes are left to wind down on their own after the function returns."""

import asyncio
from concurrent.futures import ProcessPoolExecutor

CAUGHT_IN = "correctness"


async def fetch_and_parse(fetch, parse, urls, workers: int) -> list:
    loop = asyncio.get_running_loop()
    pool = ProcessPoolExecutor(max_workers=workers)

    async def fetch_then_parse(url):
        return await loop.run_in_executor(pool, parse, await fetch(url))

    return list(await asyncio.gather(*(fetch_then_parse(url) for url in urls)))
