"""One loop, no helper tasks of its own but the calls: a read and the running calls of handle raced with
asyncio.wait(FIRST_COMPLETED), a deque of items waiting for a worker, reads only while fewer than
workers + buffer + 1 items are in hand."""

import asyncio
from collections import deque


async def run_pipeline(source, handle, *, workers, buffer):
    if workers < 1 or buffer < 0:
        raise ValueError("workers must be at least 1 and buffer at least 0")
    items = aiter(source)
    waiting = deque()  # (index, item) taken, not yet handed to handle
    running = {}  # task -> index
    results = {}
    read = None
    taken = 0
    exhausted = False
    try:
        while True:
            while waiting and len(running) < workers:
                index, item = waiting.popleft()
                running[asyncio.ensure_future(handle(item))] = index
            in_hand = len(waiting) + len(running) + (read is not None)
            if read is None and not exhausted and in_hand < workers + buffer + 1:
                read = asyncio.ensure_future(anext(items))
            if read is None and not running:
                break
            done, _ = await asyncio.wait([*running, *([read] if read else [])], return_when=asyncio.FIRST_COMPLETED)
            for task in [task for task in running if task in done]:
                results[running.pop(task)] = task.result()
            if read is not None and read in done:
                finished, read = read, None
                try:
                    waiting.append((taken, finished.result()))
                    taken += 1
                except StopAsyncIteration:
                    exhausted = True
        return [results[index] for index in range(taken)]
    finally:
        leftover = [*running, *([read] if read else [])]
        for task in leftover:
            task.cancel()
        await asyncio.gather(*leftover, return_exceptions=True)
        if hasattr(items, "aclose"):
            await items.aclose()
