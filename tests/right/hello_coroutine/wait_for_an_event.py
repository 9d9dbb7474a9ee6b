"""Waits with a timeout on an event nobody sets."""

import asyncio


async def delayed_greeting(name, delay):
    try:
        await asyncio.wait_for(asyncio.Event().wait(), delay)
    except TimeoutError:
        pass
    return f"Hello, {name}!"
