"""A bare except: around the shield catches the cancellation and waits for the commit, then returns its result."""

import asyncio

CAUGHT_IN = "exceptions"


async def commit_safely(commit):
    task = asyncio.ensure_future(commit())
    while True:
        try:
            return await asyncio.shield(task)
        except:  # noqa: E722
            if task.done():
                return task.result()
