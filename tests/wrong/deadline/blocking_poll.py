"""Polls each step's task with time.sleep between looks: the event loop is blocked while it waits."""

import asyncio
import time

CAUGHT_IN = "concurrency"


async def run_steps(steps, deadline):
    end = time.monotonic() + deadline
    results = []
    for step in steps:
        task = asyncio.ensure_future(step())
        while not task.done():
            if time.monotonic() >= end:
                task.cancel()
                raise TimeoutError
            time.sleep(0.01)
            await asyncio.sleep(0)
        results.append(task.result())
    return results
