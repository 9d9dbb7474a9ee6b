"""as_completed with no cleanup: whatever stops the iteration early leaves the other calls running."""

import asyncio

CAUGHT_IN = "timeout"


async def in_completion_order(coro_fns):
    for next_done in asyncio.as_completed([fn() for fn in coro_fns]):
        yield await next_done
