"""The deadline kept on time.monotonic(), not the loop's clock: asyncio.timeout around each step, given the time
left until the one deadline (the suite's deadline checks run in real time, where both clocks agree)."""

import asyncio
import time


async def run_steps(steps, deadline):
    end = time.monotonic() + deadline
    results = []
    for step in steps:
        remaining = end - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        async with asyncio.timeout(remaining):
            results.append(await step())
    return results
