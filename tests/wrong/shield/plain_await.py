"""Awaits the commit directly: cancelling the caller cancels the commit halfway."""

CAUGHT_IN = "timeout"


async def commit_safely(commit):
    return await commit()
