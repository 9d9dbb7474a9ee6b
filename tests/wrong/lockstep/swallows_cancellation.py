"""Two guarded phases, but cancelling the call is caught and answered with an empty list."""

import asyncio

CAUGHT_IN = "exceptions"


async def phase(function, names):
    tasks = [asyncio.ensure_future(function(name)) for name in names]
    try:
        return await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def run_in_lockstep(prepare, run, names):
    try:
        await phase(prepare, names)
        return list(await phase(run, names))
    except asyncio.CancelledError:
        return []
