"""Turns the coroutine's failure into a RuntimeError of its own."""

import asyncio

CAUGHT_IN = "exceptions"


def run_sync(coro_fn, *args):
    try:
        return asyncio.run(coro_fn(*args))
    except Exception as error:
        raise RuntimeError(f"{coro_fn.__name__} failed") from error
