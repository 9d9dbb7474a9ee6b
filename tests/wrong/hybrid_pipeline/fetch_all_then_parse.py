"""Two phases: gathers every fetch first, then parses the bodies in the pool, so nothing is parsed while the
slowest url is still on its way."""

import asyncio
from concurrent.futures import ProcessPoolExecutor

CAUGHT_IN = "concurrency"


async def fetch_and_parse(fetch, parse, urls, workers: int) -> list:
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        bodies = await asyncio.gather(*(fetch(url) for url in urls))
        return list(await asyncio.gather(*(loop.run_in_executor(pool, parse, body) for body in bodies)))
