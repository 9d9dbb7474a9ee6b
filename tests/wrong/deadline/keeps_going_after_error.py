"""Catches a failing step's exception, keeps it in the results and goes on with the next step."""

import asyncio

CAUGHT_IN = "exceptions"


async def run_steps(steps, deadline):
    results = []
    async with asyncio.timeout(deadline):
        for step in steps:
            try:
                results.append(await step())
            except Exception as error:
                results.append(error)
    return results
