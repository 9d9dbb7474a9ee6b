"""Callers await the shared task directly: cancelling one caller cancels the call for everyone."""

import asyncio

CAUGHT_IN = "timeout"


class SingleFlight:
    def __init__(self):
        self._tasks = {}

    async def get(self, key, load):
        task = self._tasks.get(key)
        if task is None:
            task = self._tasks[key] = asyncio.ensure_future(load(key))
            task.add_done_callback(lambda t: self._tasks.pop(key, None) if self._tasks.get(key) is t else None)
        return await task
