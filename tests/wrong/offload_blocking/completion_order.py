"""All calls in worker threads at once, but results collected in the order they finish."""

import asyncio

CAUGHT_IN = "correctness"


async def read_all(read_blocking, paths):
    return [
        await next_done
        for next_done in asyncio.as_completed([asyncio.to_thread(read_blocking, path) for path in paths])
    ]
