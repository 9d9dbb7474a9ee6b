"""time.sleep in a coroutine: the right result, but the event loop is blocked while it waits."""

import time

CAUGHT_IN = "concurrency"


async def delayed_greeting(name, delay):
    time.sleep(delay)
    return f"Hello, {name}!"
