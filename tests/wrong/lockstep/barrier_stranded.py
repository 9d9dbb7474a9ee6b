"""A Barrier between prepare and run, in tasks gathered: when a prepare fails, the others are left waiting at the
barrier for a party that never comes."""

import asyncio

CAUGHT_IN = "timeout"


async def run_in_lockstep(prepare, run, names):
    if not names:
        return []
    barrier = asyncio.Barrier(len(names))

    async def one(name):
        await prepare(name)
        await barrier.wait()
        return await run(name)

    return list(await asyncio.gather(*(one(name) for name in names)))
