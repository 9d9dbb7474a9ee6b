"""Cancelled, it cancels every task, but ends without waiting for them to finish."""

import asyncio

CAUGHT_IN = "exceptions"


async def _outcome(coro_fn):
    try:
        return ("ok", await coro_fn())
    except Exception as error:
        return ("error", error)


async def collect_outcomes(coro_fns) -> list:
    tasks = [asyncio.create_task(_outcome(coro_fn)) for coro_fn in coro_fns]
    try:
        return [await task for task in tasks]
    except asyncio.CancelledError:
        for task in tasks:
            task.cancel()
        raise
