"""Parses each body with asyncio.to_thread: CPU-bound Python code in threads shares the event loop's GIL."""

import asyncio

CAUGHT_IN = "concurrency"


async def fetch_and_parse(fetch, parse, urls, workers: int) -> list:
    async def fetch_then_parse(url):
        return await asyncio.to_thread(parse, await fetch(url))

    return list(await asyncio.gather(*(fetch_then_parse(url) for url in urls)))
