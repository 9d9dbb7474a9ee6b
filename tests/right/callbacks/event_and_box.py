"""The outcome goes into a list, and an asyncio.Event set through call_soon_threadsafe says it is there."""

import asyncio


async def wait_callback(start):
    loop = asyncio.get_running_loop()
    arrived = asyncio.Event()
    outcome = []

    def on_done(result, error):
        outcome.append((result, error))
        try:
            loop.call_soon_threadsafe(arrived.set)
        except RuntimeError:
            pass

    cancel = start(on_done)
    try:
        await arrived.wait()
    except asyncio.CancelledError:
        if not arrived.is_set():
            cancel()
        raise
    result, error = outcome[0]
    if error is not None:
        raise error
    return result
