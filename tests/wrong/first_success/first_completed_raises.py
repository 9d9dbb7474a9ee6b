"""Takes the first call to finish, even when it failed: its exception comes out instead of waiting for a success."""

import asyncio

CAUGHT_IN = "correctness"


async def first_success(coro_fns):
    if not coro_fns:
        raise ValueError("no functions")
    tasks = [asyncio.create_task(coro_fn()) for coro_fn in coro_fns]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        return done.pop().result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
