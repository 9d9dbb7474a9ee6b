"""asyncio.wait_for per step, each given only the time left until the one deadline."""

import asyncio


async def run_steps(steps, deadline):
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    results = []
    for step in steps:
        remaining = end - loop.time()
        if remaining <= 0:
            raise TimeoutError
        results.append(await asyncio.wait_for(step(), remaining))
    return results
