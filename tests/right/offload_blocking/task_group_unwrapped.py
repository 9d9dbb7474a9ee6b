"""A TaskGroup of to_thread calls, with the first error taken out of its ExceptionGroup."""

import asyncio


async def read_all(read_blocking, paths):
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(asyncio.to_thread(read_blocking, path)) for path in paths]
    except* Exception as failures:
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]
