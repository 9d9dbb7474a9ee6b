"""Cancelled, it cancels and awaits only the tasks still running: failures it had not reached are never retrieved."""

import asyncio

CAUGHT_IN = "exceptions"


async def collect_outcomes(coro_fns) -> list:
    tasks = [asyncio.create_task(coro_fn()) for coro_fn in coro_fns]
    try:
        outcomes = []
        for task in tasks:
            try:
                outcomes.append(("ok", await task))
            except Exception as error:
                outcomes.append(("error", error))
        return outcomes
    finally:
        running = [task for task in tasks if not task.done()]
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running)
