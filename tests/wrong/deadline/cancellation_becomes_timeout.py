"""Its own timer cancels the task, and every CancelledError is taken for it: cancelling the caller raises
TimeoutError."""

import asyncio

CAUGHT_IN = "exceptions"


async def run_steps(steps, deadline):
    task = asyncio.current_task()
    timer = asyncio.get_running_loop().call_later(deadline, task.cancel)
    try:
        return [await step() for step in steps]
    except asyncio.CancelledError:
        raise TimeoutError from None
    finally:
        timer.cancel()
