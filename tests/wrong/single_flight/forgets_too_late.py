"""The call is forgotten only once it has ended: a caller arriving while the cancelled call winds down joins it."""

import asyncio

CAUGHT_IN = "correctness"


class SingleFlight:
    def __init__(self):
        self._flights = {}

    async def get(self, key, load):
        if key not in self._flights:
            task = asyncio.ensure_future(load(key))
            self._flights[key] = flight = [task, 0]
            task.add_done_callback(lambda _: self._flights.pop(key) if self._flights.get(key) is flight else None)
        flight = self._flights[key]
        task = flight[0]
        flight[1] += 1
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if flight[1] == 1 and not task.done():
                task.cancel()
                await asyncio.wait([task])
            raise
        finally:
            flight[1] -= 1
