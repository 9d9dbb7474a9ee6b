"""asyncio.Runner: the loop asyncio.run makes, as a context manager."""

import asyncio


def run_sync(coro_fn, *args):
    with asyncio.Runner() as runner:
        return runner.run(coro_fn(*args))
