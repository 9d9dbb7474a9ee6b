"""Returns what gather returns, a list, where the contract wants a tuple."""

import asyncio

CAUGHT_IN = "correctness"


async def run_both(first, second) -> tuple:
    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    try:
        return await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
