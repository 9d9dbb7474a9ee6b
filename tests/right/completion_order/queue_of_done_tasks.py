"""Each task puts itself in a queue when done; the rest are cancelled and awaited before the generator ends."""

import asyncio


async def in_completion_order(coro_fns):
    finished = asyncio.Queue()
    tasks = []
    for fn in coro_fns:
        task = asyncio.create_task(fn())
        task.add_done_callback(finished.put_nowait)
        tasks.append(task)
    try:
        for _ in tasks:
            task = await finished.get()
            yield task.result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
