"""A task per step, asyncio.wait with the time left; on timeout or cancellation the step is cancelled and awaited."""

import asyncio


async def run_steps(steps, deadline):
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    results = []
    for step in steps:
        task = asyncio.ensure_future(step())
        try:
            done, _ = await asyncio.wait({task}, timeout=max(0.0, end - loop.time()))
        finally:
            if not task.done():
                task.cancel()
                await asyncio.wait({task})
        if not done:
            raise TimeoutError
        results.append(task.result())
    return results
