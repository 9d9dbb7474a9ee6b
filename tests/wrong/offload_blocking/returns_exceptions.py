"""return_exceptions=True: a failed read ends up in the list instead of being raised."""

import asyncio

CAUGHT_IN = "exceptions"


async def read_all(read_blocking, paths):
    return list(
        await asyncio.gather(*(asyncio.to_thread(read_blocking, path) for path in paths), return_exceptions=True)
    )
