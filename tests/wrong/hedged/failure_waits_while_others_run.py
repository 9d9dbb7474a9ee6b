"""Waits out each delay unless a call succeeds: a failure calls the next replica at once only when nothing else
is running."""

import asyncio

CAUGHT_IN = "timeout"


async def hedged_fetch(fetch, replicas, delay):
    if not replicas:
        raise ValueError("no replicas")
    loop = asyncio.get_running_loop()
    running = set()
    failures = []

    def take(done):
        for task in done:
            if task.exception() is not None:
                failures.append(task.exception())
        return [task for task in done if task.exception() is None]

    try:
        for index, replica in enumerate(replicas):
            running.add(asyncio.create_task(fetch(replica)))
            deadline = loop.time() + delay
            # The delay before the next replica, unless a call succeeds (or none is left running).
            while running and index + 1 < len(replicas) and loop.time() < deadline:
                done, running = await asyncio.wait(
                    running, timeout=deadline - loop.time(), return_when=asyncio.FIRST_COMPLETED
                )
                if succeeded := take(done):
                    return succeeded[0].result()
        while running:
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            if succeeded := take(done):
                return succeeded[0].result()
        raise ExceptionGroup("every replica failed", failures)
    finally:
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running)
