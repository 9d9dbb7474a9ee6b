"""A late outcome is set on the future that was cancelled: InvalidStateError in a loop callback."""

import asyncio

CAUGHT_IN = "exceptions"


async def wait_callback(start):
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def settle(result, error):
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def on_done(result, error):
        try:
            loop.call_soon_threadsafe(settle, result, error)
        except RuntimeError:
            pass

    cancel = start(on_done)
    try:
        return await future
    except asyncio.CancelledError:
        cancel()
        raise
