"""Runs the coroutine in a thread of its own, so that it works anywhere: inside a running loop it blocks that loop."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

CAUGHT_IN = "exceptions"


def run_sync(coro_fn, *args):
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro_fn(*args)).result()
