"""Waits base_delay after every failure: the wait never doubles."""

import asyncio

CAUGHT_IN = "correctness"


async def retry(op, attempts, base_delay, timeout):
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts + 1):
        try:
            async with asyncio.timeout(timeout):
                return await op()
        except Exception:
            if attempt == attempts:
                raise
        await asyncio.sleep(base_delay)
