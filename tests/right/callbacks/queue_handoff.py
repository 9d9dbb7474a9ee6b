"""on_done puts the outcome on an asyncio.Queue through call_soon_threadsafe; the caller gets it from there."""

import asyncio


async def wait_callback(start):
    loop = asyncio.get_running_loop()
    outcomes = asyncio.Queue()

    def on_done(result, error):
        try:
            loop.call_soon_threadsafe(outcomes.put_nowait, (result, error))
        except RuntimeError:  # the loop is closed
            pass

    cancel = start(on_done)
    try:
        result, error = await outcomes.get()
    except asyncio.CancelledError:
        if outcomes.empty():
            cancel()
        raise
    if error is not None:
        raise error
    return result
