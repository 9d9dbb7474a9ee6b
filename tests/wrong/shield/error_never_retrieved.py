"""Ends cancelled after the commit, but never looks at a failed commit's exception: the loop reports it."""

import asyncio

CAUGHT_IN = "exceptions"


async def commit_safely(commit):
    task = asyncio.ensure_future(commit())
    cancelled = False
    while not task.done():
        try:
            await asyncio.wait([task])
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError
    return task.result()
