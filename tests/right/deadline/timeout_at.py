"""asyncio.timeout_at, with the deadline as a moment on the loop's clock."""

import asyncio


async def run_steps(steps, deadline):
    results = []
    async with asyncio.timeout_at(asyncio.get_running_loop().time() + deadline):
        for step in steps:
            results.append(await step())
    return results
