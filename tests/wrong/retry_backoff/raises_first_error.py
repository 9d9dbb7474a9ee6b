"""Keeps the first failure and raises it at the end, instead of the last."""

import asyncio

CAUGHT_IN = "exceptions"


async def retry(op, attempts, base_delay, timeout):
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    first = None
    for attempt in range(1, attempts + 1):
        try:
            async with asyncio.timeout(timeout):
                return await op()
        except Exception as error:
            first = first or error
        if attempt < attempts:
            await asyncio.sleep(base_delay * 2 ** (attempt - 1))
    raise first
