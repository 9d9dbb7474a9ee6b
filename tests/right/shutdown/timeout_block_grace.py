"""The grace period as an asyncio.timeout block around asyncio.wait of the handles; the pending read is cancelled
without waiting for it before the grace period starts (it is waited for at the end)."""

import asyncio
import signal

SIGNALS = (signal.SIGINT, signal.SIGTERM)


async def serve(jobs, handle, *, grace: float) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in SIGNALS:
        loop.add_signal_handler(signum, stop.set)
    tasks = set()
    failed = False

    def finished(task):
        nonlocal failed
        tasks.discard(task)
        if task.cancelled() or task.exception() is not None:
            failed = True

    async def take():
        async for job in jobs:
            task = asyncio.create_task(handle(job))
            tasks.add(task)
            task.add_done_callback(finished)

    reader = asyncio.create_task(take())
    signalled = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({reader, signalled}, return_when=asyncio.FIRST_COMPLETED)
        if reader.done() and reader.exception() is not None:
            raise reader.exception()
        while tasks and not stop.is_set():  # the jobs ended: the handles, or a signal
            await asyncio.wait({signalled, *tasks}, return_when=asyncio.FIRST_COMPLETED)
        reader.cancel()
        if tasks:
            try:
                async with asyncio.timeout(grace):
                    await asyncio.wait(set(tasks))
            except TimeoutError:
                pass
            left = set(tasks)
            for task in left:
                task.cancel()
            if left:
                await asyncio.wait(left)
        await asyncio.wait({reader})
        return 1 if failed else 0
    finally:
        try:
            leftover = {reader, signalled, *tasks}
            for task in leftover:
                task.cancel()
            await asyncio.wait(leftover)
        finally:
            for signum in SIGNALS:
                loop.remove_signal_handler(signum)
