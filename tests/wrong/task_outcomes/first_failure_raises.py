"""Plain gather: the first failure ends the whole batch instead of becoming one outcome among the others."""

import asyncio

CAUGHT_IN = "correctness"


async def collect_outcomes(coro_fns) -> list:
    results = await asyncio.gather(*(coro_fn() for coro_fn in coro_fns))
    return [("ok", result) for result in results]
