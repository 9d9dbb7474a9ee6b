"""A TaskGroup runs the reader and a stopper; handles are plain tasks wrapped so that their exceptions stay
inside (the group never sees them); the stopper cancels the reader on a signal, then runs the grace period."""

import asyncio
import signal


async def serve(jobs, handle, *, grace):
    loop = asyncio.get_running_loop()
    signalled = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, signalled.set)
    handles: set[asyncio.Task] = set()
    outcomes = []

    async def guarded(job):
        try:
            await handle(job)
        except asyncio.CancelledError:
            outcomes.append("cancelled")
            raise
        except Exception:
            outcomes.append("raised")
        else:
            outcomes.append("finished")

    try:
        async with asyncio.TaskGroup() as group:

            async def read():
                async for job in jobs:
                    handles.add(asyncio.create_task(guarded(job)))
                # The jobs ended: wait for the handles here, unless a signal cancels this.
                while any(not task.done() for task in handles):
                    await asyncio.wait([task for task in handles if not task.done()])
                stopper.cancel()

            async def stop():
                await signalled.wait()
                reader.cancel()
                running = [task for task in handles if not task.done()]
                if running:
                    _, left = await asyncio.wait(running, timeout=grace)
                    for task in left:
                        task.cancel()
                    if left:
                        await asyncio.wait(left)

            reader = group.create_task(read())
            stopper = group.create_task(stop())
    except BaseExceptionGroup as group_error:
        failure = group_error.exceptions[0]  # the jobs' exception: the group cancelled the stopper
        raise failure from None
    finally:
        running = [task for task in handles if not task.done()]
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running)
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    return 0 if all(outcome == "finished" for outcome in outcomes) else 1
