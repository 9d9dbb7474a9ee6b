"""A new loop set as the thread's current one while it runs, the way older code did it, cleaned up in full."""

import asyncio


def run_sync(coro_fn, *args):
    if asyncio._get_running_loop() is not None:
        raise RuntimeError("cannot run a coroutine to completion from inside a running event loop")
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        main = loop.create_task(coro_fn(*args))
        return loop.run_until_complete(main)
    finally:
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.wait(pending))
        asyncio.set_event_loop(None)
        loop.close()
