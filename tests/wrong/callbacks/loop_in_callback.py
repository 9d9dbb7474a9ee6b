"""on_done looks for the running loop in the operation's thread, where there is none."""

import asyncio

CAUGHT_IN = "correctness"


async def wait_callback(start):
    future = asyncio.get_running_loop().create_future()

    def settle(result, error):
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def on_done(result, error):
        asyncio.get_running_loop().call_soon_threadsafe(settle, result, error)

    cancel = start(on_done)
    try:
        return await future
    except asyncio.CancelledError:
        if future.cancelled():
            cancel()
        raise
