"""The future is made after start returns: an on_done that comes earlier finds no future to set."""

import asyncio

CAUGHT_IN = "correctness"


async def wait_callback(start):
    loop = asyncio.get_running_loop()

    def on_done(result, error):
        if error is not None:
            loop.call_soon_threadsafe(future.set_exception, error)
        else:
            loop.call_soon_threadsafe(future.set_result, result)

    cancel = start(on_done)
    future = loop.create_future()
    try:
        return await future
    except asyncio.CancelledError:
        cancel()
        raise
