"""Tasks awaited in key order: after the first failure, later failures are never retrieved."""

import asyncio

CAUGHT_IN = "exceptions"


async def fetch_all(fetch, keys):
    tasks = [asyncio.create_task(fetch(key)) for key in keys]
    return [await task for task in tasks]
