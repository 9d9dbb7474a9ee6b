"""asyncio.gather twice: a failure comes out as it is, but the other prepares (or runs) are left running."""

import asyncio

CAUGHT_IN = "timeout"


async def run_in_lockstep(prepare, run, names):
    await asyncio.gather(*(prepare(name) for name in names))
    return list(await asyncio.gather(*(run(name) for name in names)))
