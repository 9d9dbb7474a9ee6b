"""Awaits each function before calling the next: one after another, in the order given."""

CAUGHT_IN = "concurrency"


async def in_completion_order(coro_fns):
    for fn in coro_fns:
        yield await fn()
