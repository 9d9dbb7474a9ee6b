"""asyncio.wait never cancels what it waits for: callers wait with it, counted per key in a dict."""

import asyncio


class SingleFlight:
    def __init__(self):
        self._tasks = {}
        self._waiting = {}

    async def get(self, key, load):
        task = self._tasks.get(key)
        if task is None:
            task = self._tasks[key] = asyncio.create_task(load(key))
            self._waiting[task] = 0
        self._waiting[task] += 1
        try:
            await asyncio.wait([task])
        except asyncio.CancelledError:
            self._waiting[task] -= 1
            if self._waiting[task] == 0 and not task.done():
                del self._tasks[key]
                task.cancel()
                await asyncio.wait([task])
            raise
        self._waiting[task] -= 1
        if self._tasks.get(key) is task:
            del self._tasks[key]
        return task.result()
