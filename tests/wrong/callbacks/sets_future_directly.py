"""on_done sets the future from the operation's thread: the sleeping event loop is never woken."""

import asyncio

CAUGHT_IN = "concurrency"


async def wait_callback(start):
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def on_done(result, error):
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    cancel = start(on_done)
    try:
        return await future
    except asyncio.CancelledError:
        cancel()
        raise
