"""The task is kept after it ends: later callers get the old result (a cache, not single flight)."""

import asyncio

CAUGHT_IN = "correctness"


class SingleFlight:
    def __init__(self):
        self._tasks = {}
        self._callers = {}

    async def get(self, key, load):
        if key not in self._tasks:
            self._tasks[key] = asyncio.ensure_future(load(key))
            self._callers[key] = 0
        task = self._tasks[key]
        self._callers[key] += 1
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if self._callers[key] == 1 and not task.done():
                del self._tasks[key]
                task.cancel()
                await asyncio.wait([task])
            raise
        finally:
            self._callers[key] -= 1
