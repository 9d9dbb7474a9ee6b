"""Gathers every fetch, then parses with the blocking pool.map: late, and the event loop waits blocked."""

import asyncio
from concurrent.futures import ProcessPoolExecutor

CAUGHT_IN = "concurrency"


async def fetch_and_parse(fetch, parse, urls, workers: int) -> list:
    bodies = await asyncio.gather(*(fetch(url) for url in urls))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(parse, bodies))
