"""A loop made and cleaned up by hand: what asyncio.run does, step by step."""

import asyncio


def run_sync(coro_fn, *args):
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass  # no loop running in this thread: the caller is ordinary code
    else:
        raise RuntimeError("run_sync() cannot be called from a running event loop")
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro_fn(*args))
    finally:
        try:
            leftovers = asyncio.all_tasks(loop)
            for task in leftovers:
                task.cancel()
            if leftovers:  # gather() of nothing would look for a current loop, and this thread may have none
                loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()
