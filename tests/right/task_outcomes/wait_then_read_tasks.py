"""Tasks over the raw calls and asyncio.wait; each outcome read from its task; on cancellation, clean up by hand."""

import asyncio


async def collect_outcomes(coro_fns) -> list:
    tasks = [asyncio.ensure_future(coro_fn()) for coro_fn in coro_fns]
    try:
        if tasks:
            await asyncio.wait(tasks)
    finally:
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        for task in tasks:
            if not task.cancelled():
                task.exception()  # retrieved, even when this call ends cancelled
    return [("error", task.exception()) if task.exception() is not None else ("ok", task.result()) for task in tasks]
