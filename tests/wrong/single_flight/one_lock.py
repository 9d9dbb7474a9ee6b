"""One lock for every key: a load for one key waits for the load of another."""

import asyncio

CAUGHT_IN = "concurrency"


class SingleFlight:
    def __init__(self):
        self._lock = asyncio.Lock()
        self._flights = {}

    async def get(self, key, load):
        if key not in self._flights:
            self._flights[key] = [asyncio.ensure_future(self._load(key, load)), 0]
        flight = self._flights[key]
        task = flight[0]
        flight[1] += 1
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if flight[1] == 1 and not task.done():
                self._flights.pop(key, None)
                task.cancel()
                await asyncio.wait([task])
            raise
        finally:
            flight[1] -= 1
            if task.done() and self._flights.get(key) is flight:
                del self._flights[key]

    async def _load(self, key, load):
        async with self._lock:
            return await load(key)
