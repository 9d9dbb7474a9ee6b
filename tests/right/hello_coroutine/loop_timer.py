"""A future completed by the loop's own timer."""

import asyncio


async def delayed_greeting(name, delay):
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    handle = loop.call_later(delay, done.set_result, None)
    try:
        await done
    finally:
        handle.cancel()
    return "Hello, " + name + "!"
