"""Calls coro_fn without the extra arguments."""

import asyncio

CAUGHT_IN = "correctness"


def run_sync(coro_fn, *args):
    return asyncio.run(coro_fn())
