"""A falsy result is taken for no result, and the error (None) is set instead."""

import asyncio

CAUGHT_IN = "correctness"


async def wait_callback(start):
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def settle(result, error):
        if future.done():
            return
        if result:
            future.set_result(result)
        else:
            future.set_exception(error)

    def on_done(result, error):
        try:
            loop.call_soon_threadsafe(settle, result, error)
        except RuntimeError:
            pass

    cancel = start(on_done)
    try:
        return await future
    except asyncio.CancelledError:
        if future.cancelled():
            cancel()
        raise
