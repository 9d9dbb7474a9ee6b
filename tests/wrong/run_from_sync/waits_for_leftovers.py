"""Waits for the tasks the coroutine left running to finish, instead of cancelling them."""

import asyncio

CAUGHT_IN = "correctness"


def run_sync(coro_fn, *args):
    loop = asyncio.new_event_loop()
    try:
        result = loop.run_until_complete(coro_fn(*args))
        leftovers = asyncio.all_tasks(loop)
        if leftovers:
            loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
        return result
    finally:
        loop.close()
