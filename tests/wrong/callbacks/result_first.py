"""A result, when there is one, wins over the error."""

import asyncio

CAUGHT_IN = "exceptions"


async def wait_callback(start):
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def settle(result, error):
        if future.done():
            return
        if result is not None or error is None:
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
