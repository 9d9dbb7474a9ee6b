"""Sleeps after every failure, the last one included, before raising it."""

import asyncio

CAUGHT_IN = "correctness"


async def retry(op, attempts, base_delay, timeout):
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    delay = base_delay
    for _ in range(attempts):
        try:
            return await asyncio.wait_for(op(), timeout)
        except Exception as error:
            last = error
        await asyncio.sleep(delay)
        delay *= 2
    raise last
