"""Tries the functions one after another, each only after the previous one failed."""

CAUGHT_IN = "concurrency"


async def first_success(coro_fns):
    if not coro_fns:
        raise ValueError("no functions")
    failures = []
    for coro_fn in coro_fns:
        try:
            return await coro_fn()
        except Exception as error:
            failures.append(error)
    raise ExceptionGroup("every attempt failed", failures)
