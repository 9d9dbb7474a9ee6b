"""asyncio.wait_for around one coroutine that runs every step."""

import asyncio


async def run_steps(steps, deadline):
    async def run_all():
        return [await step() for step in steps]

    return await asyncio.wait_for(run_all(), deadline)
