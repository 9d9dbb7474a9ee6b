"""Every prepare, then every run, but each awaited in turn: nothing runs concurrently."""

CAUGHT_IN = "concurrency"


async def run_in_lockstep(prepare, run, names):
    for name in names:
        await prepare(name)
    return [await run(name) for name in names]
