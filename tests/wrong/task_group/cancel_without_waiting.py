"""Cancels the other tasks at the first failure, but raises before they have ended."""

import asyncio

CAUGHT_IN = "timeout"


async def fetch_all_or_nothing(fetch, keys):
    if not keys:
        return []
    tasks = [asyncio.create_task(fetch(key)) for key in keys]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    for task in pending:
        task.cancel()
    failures = [task.exception() for task in done if task.exception() is not None]
    if failures:
        raise ExceptionGroup("some fetches failed", failures)
    return [task.result() for task in tasks]
