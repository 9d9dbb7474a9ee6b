"""Creates a task for each, but awaits the first before creating the second."""

import asyncio

CAUGHT_IN = "concurrency"


async def run_both(first, second) -> tuple:
    result_of_first = await asyncio.create_task(first())
    result_of_second = await asyncio.create_task(second())
    return result_of_first, result_of_second
