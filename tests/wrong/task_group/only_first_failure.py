"""Awaits the tasks in key order and puts the error it meets in a group, after cancelling the rest: another fetch
that failed at the same moment is dropped, its exception never retrieved."""

import asyncio

CAUGHT_IN = "exceptions"


async def fetch_all_or_nothing(fetch, keys):
    tasks = [asyncio.create_task(fetch(key)) for key in keys]
    try:
        return [await task for task in tasks]
    except Exception as error:
        for task in tasks:
            if not task.done():
                task.cancel()
        await asyncio.wait(tasks)
        raise ExceptionGroup("a fetch failed", [error]) from None
