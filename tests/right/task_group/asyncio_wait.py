"""asyncio.wait until the first exception; cancel and await the rest; the failures gathered in a group."""

import asyncio


async def fetch_all_or_nothing(fetch, keys):
    if not keys:
        return []
    tasks = [asyncio.create_task(fetch(key)) for key in keys]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks)
    failures = [task.exception() for task in tasks if not task.cancelled() and task.exception() is not None]
    if failures:
        raise ExceptionGroup("some fetches failed", failures)
    return [task.result() for task in tasks]
