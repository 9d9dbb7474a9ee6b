"""Gathers every result, then yields them in the order the functions were given."""

import asyncio

CAUGHT_IN = "correctness"


async def in_completion_order(coro_fns):
    for result in await asyncio.gather(*(fn() for fn in coro_fns)):
        yield result
