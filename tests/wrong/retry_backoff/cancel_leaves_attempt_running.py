"""asyncio.wait per attempt, but a cancellation of retry leaves the attempt's task running."""

import asyncio

CAUGHT_IN = "exceptions"


async def retry(op, attempts, base_delay, timeout):
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts + 1):
        task = asyncio.create_task(op())
        done, _ = await asyncio.wait({task}, timeout=timeout)
        try:
            if not done:
                task.cancel()
                raise TimeoutError
            return task.result()
        except Exception:
            if attempt == attempts:
                raise
        await asyncio.sleep(base_delay * 2 ** (attempt - 1))
