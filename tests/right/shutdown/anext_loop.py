"""One loop over asyncio.wait: the next read (anext), the signal, and the handles; a future set by the signal
handler."""

import asyncio
import signal


async def serve(jobs, handle, *, grace):
    loop = asyncio.get_running_loop()
    signalled = loop.create_future()

    def on_signal():
        if not signalled.done():
            signalled.set_result(None)

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal)
    handles = set()
    clean = True
    reading = asyncio.ensure_future(anext(jobs))
    try:
        while reading is not None and not signalled.done():
            await asyncio.wait({reading, signalled}, return_when=asyncio.FIRST_COMPLETED)
            if not reading.done():
                break
            try:
                job = reading.result()
            except StopAsyncIteration:
                reading = None
                break
            handles.add(asyncio.ensure_future(handle(job)))
            reading = asyncio.ensure_future(anext(jobs))
        if reading is not None:  # a signal: the read under way is cancelled
            reading.cancel()
            await asyncio.wait({reading})
            reading = None
        while not signalled.done():
            pending = {task for task in handles if not task.done()}
            if not pending:
                break
            await asyncio.wait({signalled, *pending}, return_when=asyncio.FIRST_COMPLETED)
        if signalled.done():
            pending = {task for task in handles if not task.done()}
            if pending:
                _, pending = await asyncio.wait(pending, timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        for task in handles:
            if task.cancelled() or task.exception() is not None:
                clean = False
        return 0 if clean else 1
    finally:
        leftover = {task for task in handles if not task.done()}
        if reading is not None:
            leftover.add(reading)
        for task in leftover:
            task.cancel()
        if leftover:
            await asyncio.wait(leftover)
        for task in handles:  # every exception retrieved, whichever way serve ends
            if not task.cancelled():
                task.exception()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
