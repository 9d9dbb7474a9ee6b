"""Replica i is called i * delay seconds after the start, whatever happens: a failure never brings the next one
forward."""

import asyncio

CAUGHT_IN = "timeout"


async def hedged_fetch(fetch, replicas, delay):
    if not replicas:
        raise ValueError("no replicas")

    async def staggered(index, replica):
        await asyncio.sleep(index * delay)
        return await fetch(replica)

    tasks = [asyncio.create_task(staggered(index, replica)) for index, replica in enumerate(replicas)]
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
