"""Handles a failed fetch well, but cancelling the call leaves every fetch running: asyncio.wait does not
cancel what it waits for."""

import asyncio

CAUGHT_IN = "exceptions"


async def fetch_all_or_nothing(fetch, keys):
    if not keys:
        return []
    tasks = [asyncio.create_task(fetch(key)) for key in keys]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    failures = [task.exception() for task in tasks if task in done and task.exception() is not None]
    if failures:
        raise ExceptionGroup("some fetches failed", failures)
    return [task.result() for task in tasks]
