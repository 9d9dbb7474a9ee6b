"""A timer of its own that cancels the task; only a cancellation it caused becomes TimeoutError."""

import asyncio


async def run_steps(steps, deadline):
    task = asyncio.current_task()
    expired = False

    def expire():
        nonlocal expired
        expired = True
        task.cancel()

    timer = asyncio.get_running_loop().call_later(deadline, expire)
    try:
        return [await step() for step in steps]
    except asyncio.CancelledError:
        if expired and task.uncancel() == 0:
            raise TimeoutError from None
        raise
    finally:
        timer.cancel()
