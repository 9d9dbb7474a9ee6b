"""asyncio.shield in a loop: each cancellation ends one shield, and the commit is shielded again until it ends."""

import asyncio


async def commit_safely(commit):
    task = asyncio.ensure_future(commit())
    cancelled = None
    while True:
        try:
            result = await asyncio.shield(task)
        except asyncio.CancelledError as error:
            if task.done():  # the commit itself was cancelled
                raise
            cancelled = error
            continue
        except BaseException:
            if cancelled is None:
                raise
        break
    if cancelled is not None:
        raise cancelled
    return result
