"""Reference solution: the outcome of every task."""

import asyncio


async def _outcome(coro_fn) -> tuple:
    # Caught where it happens, the failure becomes a value: no task ever ends with an exception to retrieve.
    # CancelledError is not an Exception: cancellation goes on through.
    try:
        return ("ok", await coro_fn())
    except Exception as error:
        return ("error", error)


async def collect_outcomes(coro_fns) -> list:
    # gather keeps input order; cancelled, it cancels every call and waits for them before it ends cancelled.
    return list(await asyncio.gather(*(_outcome(coro_fn) for coro_fn in coro_fns)))
