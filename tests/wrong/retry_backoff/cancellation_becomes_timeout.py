"""A homemade timeout that cancels the attempt, and takes every CancelledError for it: a cancelled retry
turns into a TimeoutError and is retried."""

import asyncio

CAUGHT_IN = "exceptions"


async def retry(op, attempts, base_delay, timeout):
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts + 1):
        task = asyncio.ensure_future(op())
        timer = asyncio.get_running_loop().call_later(timeout, task.cancel)
        try:
            try:
                return await task
            except asyncio.CancelledError:
                task.cancel()
                raise TimeoutError from None
            finally:
                timer.cancel()
        except Exception:
            if attempt == attempts:
                raise
        await asyncio.sleep(base_delay * 2 ** (attempt - 1))
