"""A future and a flag: the flag says whether anyone still waits, checked in the loop's thread."""

import asyncio


async def wait_callback(start):
    loop = asyncio.get_running_loop()
    waiter = loop.create_future()
    state = {"waiting": True}

    def deliver(result, error):
        if not state["waiting"]:
            return
        state["waiting"] = False
        if error is None:
            waiter.set_result(result)
        else:
            waiter.set_exception(error)

    def on_done(result, error):
        if not loop.is_closed():
            try:
                loop.call_soon_threadsafe(deliver, result, error)
            except RuntimeError:
                pass

    cancel = start(on_done)
    try:
        return await waiter
    except asyncio.CancelledError:
        if state["waiting"]:
            state["waiting"] = False
            cancel()
        raise
