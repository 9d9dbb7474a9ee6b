"""The greeting without its comma."""

import asyncio

CAUGHT_IN = "correctness"


async def delayed_greeting(name, delay):
    await asyncio.sleep(delay)
    return f"Hello {name}!"
