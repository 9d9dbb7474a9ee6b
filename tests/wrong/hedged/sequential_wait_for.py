"""Gives each replica `delay` seconds with wait_for, which cancels it, then moves on: never two at once."""

import asyncio

CAUGHT_IN = "concurrency"


async def hedged_fetch(fetch, replicas, delay):
    if not replicas:
        raise ValueError("no replicas")
    failures = []
    for index, replica in enumerate(replicas):
        try:
            if index + 1 < len(replicas):
                return await asyncio.wait_for(fetch(replica), delay)
            return await fetch(replica)
        except Exception as error:
            failures.append(error)
    raise ExceptionGroup("every replica failed", failures)
