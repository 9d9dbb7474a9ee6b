"""Reference solution: run async code from sync code."""

import asyncio


def run_sync(coro_fn, *args):
    # asyncio.run makes a new loop, runs the coroutine, cancels the tasks it left behind and closes the loop;
    # inside a running loop it refuses with RuntimeError.
    return asyncio.run(coro_fn(*args))
