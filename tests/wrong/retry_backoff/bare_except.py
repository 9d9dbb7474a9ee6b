"""A bare except: retries everything, CancelledError and KeyboardInterrupt included."""

import asyncio

CAUGHT_IN = "exceptions"


async def retry(op, attempts, base_delay, timeout):
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts + 1):
        try:
            return await asyncio.wait_for(op(), timeout)
        except:  # noqa: E722
            if attempt == attempts:
                raise
        await asyncio.sleep(base_delay * 2 ** (attempt - 1))
