"""Callers are counted per key and the count goes down only on cancellation: once a flight has returned, the
next one's last cancelled caller does not see that it is the last."""

import asyncio

CAUGHT_IN = "timeout"


class SingleFlight:
    def __init__(self):
        self._tasks = {}
        self._waiting = {}

    async def get(self, key, load):
        task = self._tasks.get(key)
        if task is None:
            task = self._tasks[key] = asyncio.ensure_future(load(key))
            task.add_done_callback(lambda t: self._tasks.pop(key, None) if self._tasks.get(key) is t else None)
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            self._waiting[key] -= 1
            if self._waiting[key] == 0 and not task.done():
                self._tasks.pop(key, None)
                task.cancel()
                await asyncio.wait([task])
            raise
