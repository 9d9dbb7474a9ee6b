"""One deadline, but the steps run all at once with gather, not one after another."""

import asyncio

CAUGHT_IN = "correctness"


async def run_steps(steps, deadline):
    async with asyncio.timeout(deadline):
        return list(await asyncio.gather(*(step() for step in steps)))
