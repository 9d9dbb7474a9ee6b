"""Reference solution: retries with backoff and timeouts."""

import asyncio


async def retry(op, attempts: int, base_delay: float, timeout: float):
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts}")
    for attempt in range(1, attempts + 1):
        try:
            # asyncio.timeout cancels a slow attempt and raises TimeoutError; a cancellation of this task from
            # outside stays a CancelledError, which `except Exception` lets through.
            async with asyncio.timeout(timeout):
                return await op()
        except Exception:
            if attempt == attempts:
                raise
        await asyncio.sleep(base_delay * 2 ** (attempt - 1))
