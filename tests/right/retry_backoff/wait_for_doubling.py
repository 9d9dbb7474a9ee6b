"""asyncio.wait_for per attempt, a while loop, and a delay that doubles after each wait."""

import asyncio


async def retry(op, attempts: int, base_delay: float, timeout: float):
    if attempts < 1:
        raise ValueError("attempts must be positive")
    delay = base_delay
    left = attempts
    while True:
        left -= 1
        try:
            return await asyncio.wait_for(op(), timeout)
        except Exception:
            if not left:
                raise
        await asyncio.sleep(delay)
        delay *= 2
