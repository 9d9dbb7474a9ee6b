"""Waits by spinning on the clock: no time.sleep, but the loop is just as blocked."""

import time

CAUGHT_IN = "concurrency"


async def delayed_greeting(name, delay):
    end = time.monotonic() + delay
    while time.monotonic() < end:
        pass
    return f"Hello, {name}!"
