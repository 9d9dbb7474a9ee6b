"""A TaskGroup whose ExceptionGroup escapes as it is: read_blocking's error arrives wrapped."""

import asyncio

CAUGHT_IN = "exceptions"


async def read_all(read_blocking, paths):
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(asyncio.to_thread(read_blocking, path)) for path in paths]
    return [task.result() for task in tasks]
