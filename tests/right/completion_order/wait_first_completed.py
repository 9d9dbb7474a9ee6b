"""asyncio.wait(FIRST_COMPLETED) in a loop, yielding whatever is done each time; the rest cancelled in finally."""

import asyncio


async def in_completion_order(coro_fns):
    pending = {asyncio.create_task(fn()) for fn in coro_fns}
    try:
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                yield task.result()
    finally:
        for task in pending:
            task.cancel()
