"""The signal handler cancels the task that reads the jobs; serve awaits that task, then the handles or the
signal; the grace period is asyncio.timeout around a gather, then what is left is waited for."""

import asyncio
import contextlib
import signal


async def serve(jobs, handle, *, grace):
    loop = asyncio.get_running_loop()
    tasks = []
    stopping = asyncio.Event()

    async def read():
        async for job in jobs:
            tasks.append(asyncio.create_task(handle(job)))

    reader = asyncio.create_task(read())

    def on_signal():
        if not stopping.is_set():
            stopping.set()
            reader.cancel()

    loop.add_signal_handler(signal.SIGINT, on_signal)
    loop.add_signal_handler(signal.SIGTERM, on_signal)
    try:
        try:
            await asyncio.shield(reader)
        except asyncio.CancelledError:
            if not stopping.is_set() or not reader.cancelled():
                raise  # serve itself was cancelled
        if not stopping.is_set():
            watcher = asyncio.create_task(stopping.wait())
            try:
                everything = asyncio.gather(*tasks, return_exceptions=True)
                await asyncio.wait({watcher, everything}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                watcher.cancel()
        if stopping.is_set():
            pending = [task for task in tasks if not task.done()]
            if pending:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(grace):  # on time out, the gather cancels what is left
                        await asyncio.gather(*pending, return_exceptions=True)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        return 1 if any(task.cancelled() or task.exception() for task in tasks) else 0
    finally:
        reader.cancel()
        for task in tasks:
            task.cancel()
        await asyncio.gather(reader, *tasks, return_exceptions=True)
        loop.remove_signal_handler(signal.SIGINT)
        loop.remove_signal_handler(signal.SIGTERM)
