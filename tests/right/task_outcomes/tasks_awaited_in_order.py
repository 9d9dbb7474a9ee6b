"""A task per call, each awaited in input order with its error caught; cancelled, cancel and await them all."""

import asyncio


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
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
