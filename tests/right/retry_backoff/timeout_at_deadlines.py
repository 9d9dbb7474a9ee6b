"""asyncio.timeout_at with a deadline on the loop's clock, and the list of waits computed up front."""

import asyncio


async def retry(op, attempts: int, base_delay: float, timeout: float):
    if attempts < 1:
        raise ValueError("need at least one attempt")
    loop = asyncio.get_running_loop()
    waits = [base_delay * 2**k for k in range(attempts - 1)] + [None]
    for wait in waits:
        try:
            async with asyncio.timeout_at(loop.time() + timeout):
                return await op()
        except Exception:
            if wait is None:
                raise
        await asyncio.sleep(wait)
