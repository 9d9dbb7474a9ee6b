"""Takes the first call to end, even a failure: its exception comes out instead of trying the next replica."""

import asyncio

CAUGHT_IN = "correctness"


async def hedged_fetch(fetch, replicas, delay):
    if not replicas:
        raise ValueError("no replicas")
    waiting = list(replicas)
    running = set()
    try:
        while True:
            if waiting:
                running.add(asyncio.create_task(fetch(waiting.pop(0))))
            done, running = await asyncio.wait(
                running, timeout=delay if waiting else None, return_when=asyncio.FIRST_COMPLETED
            )
            if done:
                return done.pop().result()
    finally:
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running)
