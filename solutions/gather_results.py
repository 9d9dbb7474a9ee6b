"""Reference solution: gather results."""

import asyncio


async def fetch_all(fetch, keys):
    # gather keeps input order, propagates the first exception as it is, and marks the others retrieved.
    return list(await asyncio.gather(*(fetch(key) for key in keys)))
