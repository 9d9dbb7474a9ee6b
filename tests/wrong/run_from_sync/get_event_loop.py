"""The old recipe, asyncio.get_event_loop().run_until_complete(...): there is no current loop to get."""

import asyncio

CAUGHT_IN = "correctness"


def run_sync(coro_fn, *args):
    return asyncio.get_event_loop().run_until_complete(coro_fn(*args))
