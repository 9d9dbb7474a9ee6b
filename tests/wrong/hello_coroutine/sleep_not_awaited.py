"""Calls asyncio.sleep but never awaits it: nothing waits at all."""

import asyncio

CAUGHT_IN = "correctness"


async def delayed_greeting(name, delay):
    asyncio.sleep(delay)
    return f"Hello, {name}!"
