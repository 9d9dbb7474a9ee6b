"""A cancelled caller ends at once, but the operation is never cancelled."""

import asyncio

CAUGHT_IN = "timeout"


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
        try:
            loop.call_soon_threadsafe(settle, result, error)
        except RuntimeError:
            pass

    start(on_done)
    return await future
