"""asyncio.shield alone: the caller ends at once when cancelled, and the commit runs on as an orphan."""

import asyncio

CAUGHT_IN = "timeout"


async def commit_safely(commit):
    return await asyncio.shield(commit())
