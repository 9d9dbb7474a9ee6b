"""Waits between attempts with time.sleep: the whole event loop stops for the backoff."""

import asyncio
import time

CAUGHT_IN = "concurrency"


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
        time.sleep(base_delay * 2 ** (attempt - 1))
