"""When every replica fails, raises the last failure alone instead of an ExceptionGroup of all of them."""

import asyncio

CAUGHT_IN = "exceptions"


async def hedged_fetch(fetch, replicas, delay):
    if not replicas:
        raise ValueError("no replicas")
    waiting = list(replicas)
    running = set()
    last_failure = None
    try:
        while True:
            if waiting:
                running.add(asyncio.create_task(fetch(waiting.pop(0))))
            elif not running:
                raise last_failure
            done, running = await asyncio.wait(
                running, timeout=delay if waiting else None, return_when=asyncio.FIRST_COMPLETED
            )
            for task in done:
                if task.exception() is not None:
                    last_failure = task.exception()
            if succeeded := [task for task in done if task.exception() is None]:
                return succeeded[0].result()
    finally:
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running)
