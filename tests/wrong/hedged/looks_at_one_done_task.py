"""Looks at only one of the tasks asyncio.wait reports done: calls ending beside it are never looked at."""

import asyncio

CAUGHT_IN = "exceptions"


async def hedged_fetch(fetch, replicas, delay):
    if not replicas:
        raise ValueError("no replicas")
    waiting = list(replicas)
    running = set()
    failures = []
    try:
        while True:
            if waiting:
                running.add(asyncio.create_task(fetch(waiting.pop(0))))
            elif not running:
                raise ExceptionGroup("every replica failed", failures)
            done, running = await asyncio.wait(
                running, timeout=delay if waiting else None, return_when=asyncio.FIRST_COMPLETED
            )
            if done:
                task = done.pop()
                if task.exception() is None:
                    return task.result()
                failures.append(task.exception())
    finally:
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running)
