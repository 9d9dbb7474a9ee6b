"""Reference solution: one deadline for many steps."""

import asyncio


async def run_steps(steps, deadline: float):
    # One timeout around the whole loop: its deadline is fixed when the block is entered, whatever the steps take.
    async with asyncio.timeout(deadline):
        return [await step() for step in steps]
