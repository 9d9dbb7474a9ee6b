"""Raises a RuntimeError of its own when every attempt has failed, instead of the last exception."""

import asyncio

CAUGHT_IN = "exceptions"


async def retry(op, attempts, base_delay, timeout):
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts + 1):
        try:
            async with asyncio.timeout(timeout):
                return await op()
        except Exception as error:
            if attempt == attempts:
                raise RuntimeError(f"gave up after {attempts} attempts") from error
        await asyncio.sleep(base_delay * 2 ** (attempt - 1))
