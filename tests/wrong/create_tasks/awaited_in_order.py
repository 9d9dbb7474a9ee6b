"""Both tasks started, then awaited in order: a failure of second waits for first, and nothing is cancelled."""

import asyncio

CAUGHT_IN = "exceptions"


async def run_both(first, second) -> tuple:
    task_1 = asyncio.create_task(first())
    task_2 = asyncio.create_task(second())
    return await task_1, await task_2
