"""Once the jobs have ended only the handles are awaited: a signal then is never acted on."""

import asyncio
import signal

CAUGHT_IN = "timeout"

SIGNALS = (signal.SIGINT, signal.SIGTERM)


async def serve(jobs, handle, *, grace: float) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in SIGNALS:
        loop.add_signal_handler(signum, stop.set)  # a second signal sets it again: nothing more
    handles = set()
    troubled = False

    def ended(task):
        nonlocal troubled
        handles.discard(task)
        if task.cancelled() or task.exception() is not None:  # the exception is retrieved here
            troubled = True

    async def take():
        async for job in jobs:
            task = asyncio.create_task(handle(job))
            handles.add(task)
            task.add_done_callback(ended)

    reader = asyncio.create_task(take())
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({reader, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if not reader.done():  # a signal: the pending read is cancelled
            reader.cancel()
            await asyncio.wait({reader})
        elif reader.exception() is not None:
            raise reader.exception()
        if handles and not stop.is_set():  # the jobs ended: wait for the handles
            await asyncio.wait(handles)
        if handles:  # a signal came: the grace period, then cancel what is left
            await asyncio.wait(handles, timeout=grace)
            for task in handles:
                task.cancel()
            if handles:
                await asyncio.wait(handles)
        return 1 if troubled else 0
    finally:
        try:
            # Whichever way it ends (cancelled, or jobs raised): nothing left running, no grace.
            leftover = {reader, stopped, *handles}
            for task in leftover:
                task.cancel()
            await asyncio.wait(leftover)
        finally:
            for signum in SIGNALS:
                loop.remove_signal_handler(signum)
