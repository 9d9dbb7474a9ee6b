"""Calls every replica at once and takes the first success: no delay between them at all."""

import asyncio

CAUGHT_IN = "timeout"


async def hedged_fetch(fetch, replicas, delay):
    if not replicas:
        raise ValueError("no replicas")
    tasks = [asyncio.create_task(fetch(replica)) for replica in replicas]
    failures = []
    try:
        for next_done in asyncio.as_completed(tasks):
            try:
                return await next_done
            except Exception as error:
                failures.append(error)
        raise ExceptionGroup("every replica failed", failures)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
