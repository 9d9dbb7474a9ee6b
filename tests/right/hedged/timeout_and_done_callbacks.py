"""Each call's done callback feeds a queue; asyncio.timeout around the queue's get is the hedging delay."""

import asyncio


async def hedged_fetch(fetch, replicas, delay: float):
    if not replicas:
        raise ValueError("hedged_fetch() needs at least one replica")
    finished = asyncio.Queue()
    tasks, failures = [], []

    def call_next():
        task = asyncio.create_task(fetch(replicas[len(tasks)]))
        task.add_done_callback(finished.put_nowait)
        tasks.append(task)

    try:
        call_next()
        while len(failures) < len(replicas):
            try:
                async with asyncio.timeout(delay if len(tasks) < len(replicas) else None):
                    task = await finished.get()
            except TimeoutError:
                call_next()
                continue
            if task.exception() is None:
                return task.result()
            failures.append(task.exception())
            if len(tasks) < len(replicas):
                call_next()
        raise ExceptionGroup("every replica failed", failures)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
