"""A done callback sets an asyncio.Event; cancelling the wait on the event leaves the commit's task alone."""

import asyncio


async def commit_safely(commit):
    task = asyncio.create_task(commit())
    finished = asyncio.Event()
    task.add_done_callback(lambda _: finished.set())
    cancelled = False
    while not finished.is_set():
        try:
            await finished.wait()
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        if not task.cancelled():
            task.exception()
        raise asyncio.CancelledError
    return task.result()
