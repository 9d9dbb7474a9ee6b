"""A cancelled caller goes on waiting for the shared call, and only then ends cancelled."""

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
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            await asyncio.wait([task])
            raise
