"""Catches BaseException from the waiting, so the caller's own cancellation counts as one more failed call."""

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
                raise ExceptionGroup("every replica failed", [f for f in failures if isinstance(f, Exception)])
            try:
                done, running = await asyncio.wait(
                    running, timeout=delay if waiting else None, return_when=asyncio.FIRST_COMPLETED
                )
            except BaseException as error:
                failures.append(error)
                continue
            failures += [task.exception() for task in done if task.exception() is not None]
            if succeeded := [task for task in done if task.exception() is None]:
                return succeeded[0].result()
    finally:
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running)
