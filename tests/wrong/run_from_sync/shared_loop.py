"""One loop made once and shared by every call: never closed, and two threads cannot run it at once."""

import asyncio

CAUGHT_IN = "concurrency"

_loop = asyncio.new_event_loop()


def run_sync(coro_fn, *args):
    try:
        return _loop.run_until_complete(coro_fn(*args))
    finally:
        leftovers = asyncio.all_tasks(_loop)
        for task in leftovers:
            task.cancel()
        if leftovers:
            _loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
