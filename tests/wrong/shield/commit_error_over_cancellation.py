"""Keeps waiting through every cancellation, then returns or raises what the commit did: a failed commit's error
goes up in place of the cancellation."""

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
    result = task.result()
    if cancelled:
        raise asyncio.CancelledError
    return result
