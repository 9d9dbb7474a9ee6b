"""A coroutine that returns the results in completion order, instead of an async generator yielding them."""

import asyncio

CAUGHT_IN = "correctness"


async def in_completion_order(coro_fns):
    return [await next_done for next_done in asyncio.as_completed([fn() for fn in coro_fns])]
