"""Shield first; once cancelled, asyncio.wait until the commit is done, then raise the CancelledError again."""

import asyncio


async def commit_safely(commit):
    task = asyncio.ensure_future(commit())
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        while not task.done():
            try:
                await asyncio.wait([task])
            except asyncio.CancelledError:
                pass  # cancelled again: the first cancellation is raised below anyway
        if not task.cancelled():
            task.exception()  # retrieved
        raise
