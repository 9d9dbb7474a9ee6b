"""Catches TimeoutError to raise a clearer one: a step's own TimeoutError is replaced by a new object."""

import asyncio

CAUGHT_IN = "exceptions"


async def run_steps(steps, deadline):
    try:
        async with asyncio.timeout(deadline):
            return [await step() for step in steps]
    except TimeoutError:
        raise TimeoutError(f"the steps took longer than {deadline} s") from None
