"""Parses each body right in the coroutine: no pool, and the event loop is blocked while it parses."""

import asyncio

CAUGHT_IN = "concurrency"


async def fetch_and_parse(fetch, parse, urls, workers: int) -> list:
    async def fetch_then_parse(url):
        return parse(await fetch(url))

    return list(await asyncio.gather(*(fetch_then_parse(url) for url in urls)))
