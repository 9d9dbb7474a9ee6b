"""Treats a falsy result (None, 0, '') as a failure and tries again."""

import asyncio

CAUGHT_IN = "correctness"


async def retry(op, attempts, base_delay, timeout):
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    result = None
    for attempt in range(1, attempts + 1):
        try:
            async with asyncio.timeout(timeout):
                result = await op()
            if result:
                return result
        except Exception:
            if attempt == attempts:
                raise
        if attempt < attempts:
            await asyncio.sleep(base_delay * 2 ** (attempt - 1))
    return result
