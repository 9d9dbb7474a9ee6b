"""on_done calls call_soon_threadsafe even once the loop is closed, where it raises RuntimeError."""

import asyncio

CAUGHT_IN = "exceptions"


async def wait_callback(start):
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def settle(result, error):
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def on_done(result, error):
        loop.call_soon_threadsafe(settle, result, error)

    cancel = start(on_done)
    try:
        return await future
    except asyncio.CancelledError:
        if future.cancelled():
            cancel()
        raise
