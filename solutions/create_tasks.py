"""Reference solution: two tasks at once."""

import asyncio


async def run_both(first, second) -> tuple:
    tasks = (asyncio.create_task(first()), asyncio.create_task(second()))
    try:
        # gather raises the first failure as it is, as soon as it happens.
        return tuple(await asyncio.gather(*tasks))
    finally:
        # After a failure (or if run_both is cancelled), stop the other task and wait until it has stopped;
        # return_exceptions=True retrieves every outcome, so no failure is left unretrieved.
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
