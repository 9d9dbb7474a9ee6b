"""asyncio.wait with a timeout: a slow attempt is given up on, but left running in the background."""

import asyncio

CAUGHT_IN = "timeout"


async def retry(op, attempts, base_delay, timeout):
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts + 1):
        task = asyncio.ensure_future(op())
        done, _ = await asyncio.wait({task}, timeout=timeout)
        try:
            if not done:
                raise TimeoutError
            return task.result()
        except Exception:
            if attempt == attempts:
                raise
        await asyncio.sleep(base_delay * 2 ** (attempt - 1))
