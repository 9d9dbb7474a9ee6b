"""Cancels the calls still running, but returns at once, without waiting for them to end."""

import asyncio

CAUGHT_IN = "timeout"


async def hedged_fetch(fetch, replicas, delay):
    if not replicas:
        raise ValueError("no replicas")
    waiting = list(replicas)
    running = set()
    failures = []
    while True:
        if waiting:
            running.add(asyncio.create_task(fetch(waiting.pop(0))))
        elif not running:
            raise ExceptionGroup("every replica failed", failures)
        done, running = await asyncio.wait(
            running, timeout=delay if waiting else None, return_when=asyncio.FIRST_COMPLETED
        )
        failures += [task.exception() for task in done if task.exception() is not None]
        if succeeded := [task for task in done if task.exception() is None]:
            for other in running:
                other.cancel()
            return succeeded[0].result()
