"""Reference solution: all or nothing with a TaskGroup."""

import asyncio


async def fetch_all_or_nothing(fetch, keys):
    # The group cancels the other tasks when one fails, waits for every task to end, and raises the failures
    # as an ExceptionGroup; cancelling the caller cancels them all too.
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(fetch(key)) for key in keys]
    return [task.result() for task in tasks]
