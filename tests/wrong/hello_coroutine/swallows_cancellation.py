"""Treats cancellation as a reason to greet early."""

import asyncio

CAUGHT_IN = "exceptions"


async def delayed_greeting(name, delay):
    try:
        await asyncio.sleep(delay)
    except asyncio.CancelledError:
        pass
    return f"Hello, {name}!"
