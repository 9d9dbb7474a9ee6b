"""A Semaphore released by each call as it ends, every task created up front, awaited in key order; on any way
out the rest are cancelled and awaited."""

import asyncio


async def fetch_limited(fetch, keys, limit):
    if limit < 1:
        raise ValueError("limit must be at least 1")
    semaphore = asyncio.Semaphore(limit)

    async def one(key):
        await semaphore.acquire()
        try:
            return await fetch(key)
        finally:
            semaphore.release()

    tasks = [asyncio.create_task(one(key)) for key in keys]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION) if tasks else (set(), set())
        for task in tasks:
            if task in done and task.exception() is not None:
                raise task.exception()
        return [task.result() for task in tasks]
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
