"""Cancelled, it cancels the operation but then goes on waiting for the outcome, which may never come."""

import asyncio

CAUGHT_IN = "timeout"


async def wait_callback(start):
    loop = asyncio.get_running_loop()
    outcome = loop.create_future()

    def settle(result, error):
        if not outcome.done():
            outcome.set_result((result, error))

    def on_done(result, error):
        try:
            loop.call_soon_threadsafe(settle, result, error)
        except RuntimeError:
            pass

    cancel = start(on_done)
    try:
        result, error = await asyncio.shield(outcome)
    except asyncio.CancelledError:
        cancel()
        await asyncio.wait([outcome])
        raise
    if error is not None:
        raise error
    return result
