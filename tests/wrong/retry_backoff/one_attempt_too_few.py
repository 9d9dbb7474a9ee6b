"""range(1, attempts): one attempt short, and none at all with attempts=1."""

import asyncio

CAUGHT_IN = "correctness"


async def retry(op, attempts, base_delay, timeout):
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts):
        try:
            return await asyncio.wait_for(op(), timeout)
        except Exception:
            if attempt == attempts - 1:
                raise
        await asyncio.sleep(base_delay * 2 ** (attempt - 1))
