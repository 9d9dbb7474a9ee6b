"""Sleeps for the whole timeout before looking at the fetch, even when it was done long before."""

import asyncio

CAUGHT_IN = "timeout"


async def fetch_with_timeout(fetch, key, timeout):
    task = asyncio.create_task(fetch(key))
    await asyncio.sleep(timeout)
    if task.done():
        return task.result()
    task.cancel()
    raise TimeoutError
