"""Plain gather: the failure propagates, but the other call is left running in the background."""

import asyncio

CAUGHT_IN = "exceptions"


async def run_both(first, second) -> tuple:
    return tuple(await asyncio.gather(first(), second()))
