"""Shields once, then awaits the task unprotected: a second cancellation interrupts the commit, and a failed
commit's error goes up instead of the cancellation."""

import asyncio

CAUGHT_IN = "timeout"


async def commit_safely(commit):
    task = asyncio.ensure_future(commit())
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
        raise
