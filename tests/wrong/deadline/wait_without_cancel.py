"""asyncio.wait with the time that is left, then TimeoutError: but the running step is left going."""

import asyncio

CAUGHT_IN = "timeout"


async def run_steps(steps, deadline):
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    results = []
    for step in steps:
        task = asyncio.create_task(step())
        done, _ = await asyncio.wait({task}, timeout=max(0.0, end - loop.time()))
        if not done:
            raise TimeoutError
        results.append(task.result())
    return results
