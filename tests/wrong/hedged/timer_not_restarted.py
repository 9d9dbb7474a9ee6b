"""Calls the next replica at once after a failure, but keeps the old timer: the delay counts from the last
replica the timer started, not from the most recent call."""

import asyncio

CAUGHT_IN = "timeout"


async def hedged_fetch(fetch, replicas, delay):
    if not replicas:
        raise ValueError("no replicas")
    loop = asyncio.get_running_loop()
    waiting = list(replicas)
    running = {asyncio.create_task(fetch(waiting.pop(0)))}
    next_hedge = loop.time() + delay
    failures = []
    try:
        while running:
            timeout = max(0.0, next_hedge - loop.time()) if waiting else None
            done, running = await asyncio.wait(running, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            failures += [task.exception() for task in done if task.exception() is not None]
            if succeeded := [task for task in done if task.exception() is None]:
                return succeeded[0].result()
            if waiting and (done or loop.time() >= next_hedge):
                if not done:
                    next_hedge = loop.time() + delay
                running.add(asyncio.create_task(fetch(waiting.pop(0))))
        raise ExceptionGroup("every replica failed", failures)
    finally:
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running)
