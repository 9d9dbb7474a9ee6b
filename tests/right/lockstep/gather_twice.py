"""Two phases with asyncio.gather, each guarded by hand: on any way out, the tasks of the phase are cancelled and
awaited."""

import asyncio


async def phase(function, names):
    tasks = [asyncio.ensure_future(function(name)) for name in names]
    try:
        return await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def run_in_lockstep(prepare, run, names):
    await phase(prepare, names)
    return list(await phase(run, names))
