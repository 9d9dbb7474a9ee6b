"""Reference solution: a commit that cancellation cannot break."""

import asyncio


async def commit_safely(commit):
    task = asyncio.ensure_future(commit())  # a task of its own: cancelling this one does not reach it
    cancelled = None
    while not task.done():
        try:
            await asyncio.wait([task])  # wait() never cancels what it waits for
        except asyncio.CancelledError as error:
            cancelled = error  # remember it, and keep waiting: the commit must finish first
    if cancelled is not None:
        if not task.cancelled():
            task.exception()  # a failed commit's error is retrieved, not left for the loop to report
        raise cancelled
    return task.result()
