"""return_exceptions=True: a failed fetch or parse ends up in the list instead of being raised."""

import asyncio
from concurrent.futures import ProcessPoolExecutor

CAUGHT_IN = "exceptions"


async def fetch_and_parse(fetch, parse, urls, workers: int) -> list:
    loop = asyncio.get_running_loop()

    async def fetch_then_parse(url):
        return await loop.run_in_executor(pool, parse, await fetch(url))

    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(await asyncio.gather(*(fetch_then_parse(url) for url in urls), return_exceptions=True))
