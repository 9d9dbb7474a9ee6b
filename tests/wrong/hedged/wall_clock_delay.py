"""The delay kept on time.monotonic() instead of the event loop's clock: the contract names the loop's clock, and
on a loop whose clock is not the wall's (the checks' simulated one) the hedges come late or never."""

import asyncio
import time

CAUGHT_IN = "timeout"


async def hedged_fetch(fetch, replicas, delay: float):
    if not replicas:
        raise ValueError("no replicas")
    waiting = list(replicas)
    running = set()
    failures = []
    last_start = 0.0
    try:
        while True:
            if waiting and (not running or time.monotonic() - last_start >= delay):
                running.add(asyncio.create_task(fetch(waiting.pop(0))))
                last_start = time.monotonic()
            elif not running:
                raise ExceptionGroup("every replica failed", failures)
            remaining = max(0.0, delay - (time.monotonic() - last_start)) if waiting else None
            done, running = await asyncio.wait(running, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
            succeeded = [task for task in done if task.exception() is None]
            failures += [task.exception() for task in done if task.exception() is not None]
            if succeeded:
                return succeeded[0].result()
            if done and waiting:
                last_start = -delay  # a failure: the next replica at once
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
