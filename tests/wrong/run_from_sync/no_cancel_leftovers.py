"""A new loop, closed in a finally block, but the tasks the coroutine left running are never cancelled."""

import asyncio

CAUGHT_IN = "correctness"


def run_sync(coro_fn, *args):
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro_fn(*args))
    finally:
        loop.close()
