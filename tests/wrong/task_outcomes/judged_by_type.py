"""gather(return_exceptions=True), then judges each result by its type: a returned exception counts as an error."""

import asyncio

CAUGHT_IN = "correctness"


async def collect_outcomes(coro_fns) -> list:
    results = await asyncio.gather(*(coro_fn() for coro_fn in coro_fns), return_exceptions=True)
    return [("error", result) if isinstance(result, Exception) else ("ok", result) for result in results]
