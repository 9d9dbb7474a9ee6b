"""A task per key, all created before any is awaited; the rest cancelled if one fails."""

import asyncio


async def fetch_all(fetch, keys):
    tasks = [asyncio.create_task(fetch(key)) for key in keys]
    try:
        return [await task for task in tasks]
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
