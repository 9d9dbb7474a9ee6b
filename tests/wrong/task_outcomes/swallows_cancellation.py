"""Catches BaseException in each task, so a cancellation becomes an "error" outcome and the batch carries on."""

import asyncio

CAUGHT_IN = "exceptions"


async def _outcome(coro_fn):
    try:
        return ("ok", await coro_fn())
    except BaseException as error:
        return ("error", error)


async def collect_outcomes(coro_fns) -> list:
    tasks = [asyncio.create_task(_outcome(coro_fn)) for coro_fn in coro_fns]
    return [await task for task in tasks]
