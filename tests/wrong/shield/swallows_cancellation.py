"""Waits for the commit whatever happens, but forgets the cancellation: returns the result instead."""

import asyncio

CAUGHT_IN = "exceptions"


async def commit_safely(commit):
    task = asyncio.ensure_future(commit())
    while not task.done():
        try:
            await asyncio.wait([task])
        except asyncio.CancelledError:
            pass
    return task.result()
