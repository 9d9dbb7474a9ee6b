"""Concurrent, but lists the outcomes in the order the calls finished."""

import asyncio

CAUGHT_IN = "correctness"


async def _outcome(coro_fn):
    try:
        return ("ok", await coro_fn())
    except Exception as error:
        return ("error", error)


async def collect_outcomes(coro_fns) -> list:
    return [await next_done for next_done in asyncio.as_completed([_outcome(coro_fn) for coro_fn in coro_fns])]
