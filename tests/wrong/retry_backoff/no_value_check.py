"""Never checks attempts: with attempts=0 the loop does not run and `raise last` fails with a TypeError."""

import asyncio

CAUGHT_IN = "correctness"


async def retry(op, attempts, base_delay, timeout):
    last = None
    for attempt in range(1, attempts + 1):
        try:
            async with asyncio.timeout(timeout):
                return await op()
        except Exception as error:
            last = error
        if attempt < attempts:
            await asyncio.sleep(base_delay * 2 ** (attempt - 1))
    raise last
