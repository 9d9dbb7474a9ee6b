"""Retries at once after each failure: no wait between attempts."""

import asyncio

CAUGHT_IN = "correctness"


async def retry(op, attempts, base_delay, timeout):
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts + 1):
        try:
            return await asyncio.wait_for(op(), timeout)
        except Exception:
            if attempt == attempts:
                raise
