"""Reference solution: hedged requests."""

import asyncio


async def hedged_fetch(fetch, replicas, delay: float):
    if not replicas:
        raise ValueError("hedged_fetch() needs at least one replica")
    waiting = list(replicas)
    running = set()
    failures = []
    try:
        while True:
            if waiting:
                running.add(asyncio.create_task(fetch(waiting.pop(0))))
            elif not running:
                raise ExceptionGroup("every replica failed", failures)
            # Wake when a call ends, or when the delay has passed with no call ending (no timeout once every
            # replica has been called).
            done, running = await asyncio.wait(
                running, timeout=delay if waiting else None, return_when=asyncio.FIRST_COMPLETED
            )
            succeeded = [task for task in done if task.exception() is None]
            failures += [task.exception() for task in done if task.exception() is not None]
            if succeeded:
                return succeeded[0].result()
            # Nothing done: the delay passed, call the next replica. Only failures done: call it at once.
    finally:
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running)
