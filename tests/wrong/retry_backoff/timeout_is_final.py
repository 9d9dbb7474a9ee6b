"""Retries errors, but lets a TimeoutError end the retries at once."""

import asyncio

CAUGHT_IN = "timeout"


async def retry(op, attempts, base_delay, timeout):
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts + 1):
        try:
            async with asyncio.timeout(timeout):
                return await op()
        except TimeoutError:
            raise
        except Exception:
            if attempt == attempts:
                raise
        await asyncio.sleep(base_delay * 2 ** (attempt - 1))
