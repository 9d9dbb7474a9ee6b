"""Never limits an attempt: one that hangs hangs retry forever."""

import asyncio

CAUGHT_IN = "timeout"


async def retry(op, attempts, base_delay, timeout):
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts + 1):
        try:
            return await op()
        except Exception:
            if attempt == attempts:
                raise
        await asyncio.sleep(base_delay * 2 ** (attempt - 1))
