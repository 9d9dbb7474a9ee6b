"""A fresh limit for each step: asyncio.wait_for(step(), deadline), so the whole sequence can take far longer."""

import asyncio

CAUGHT_IN = "timeout"


async def run_steps(steps, deadline):
    return [await asyncio.wait_for(step(), deadline) for step in steps]
