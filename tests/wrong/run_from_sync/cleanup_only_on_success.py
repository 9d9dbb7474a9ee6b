"""Cancels the leftovers and closes the loop after a return, but skips all of it when the coroutine raises."""

import asyncio

CAUGHT_IN = "exceptions"


def run_sync(coro_fn, *args):
    loop = asyncio.new_event_loop()
    result = loop.run_until_complete(coro_fn(*args))
    leftovers = asyncio.all_tasks(loop)
    for task in leftovers:
        task.cancel()
    if leftovers:
        loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
    loop.close()
    return result
