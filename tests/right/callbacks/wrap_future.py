"""A concurrent.futures.Future, thread-safe by design, completed in on_done and awaited through wrap_future."""

import asyncio
import concurrent.futures


async def wait_callback(start):
    done = concurrent.futures.Future()

    def on_done(result, error):
        try:
            if error is not None:
                done.set_exception(error)
            else:
                done.set_result(result)
        except concurrent.futures.InvalidStateError:  # cancelled already: nobody wants it
            pass

    cancel = start(on_done)
    try:
        return await asyncio.wrap_future(done)
    except asyncio.CancelledError:
        if done.cancelled():
            cancel()
        raise
