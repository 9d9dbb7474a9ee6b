"""A task stores the load's outcome and sets an Event; callers wait on the Event, the last one out cancels."""

import asyncio


class _Flight:
    def __init__(self):
        self.done = asyncio.Event()
        self.result = None
        self.error = None
        self.callers = 0
        self.task = None


class SingleFlight:
    def __init__(self):
        self._flights = {}

    async def _run(self, key, load, flight):
        try:
            flight.result = await load(key)
        except Exception as error:
            flight.error = error
        finally:
            if self._flights.get(key) is flight:
                del self._flights[key]
            flight.done.set()

    async def get(self, key, load):
        flight = self._flights.get(key)
        if flight is None:
            flight = self._flights[key] = _Flight()
            flight.task = asyncio.create_task(self._run(key, load, flight))
        flight.callers += 1
        try:
            await flight.done.wait()
        except asyncio.CancelledError:
            flight.callers -= 1
            if flight.callers == 0 and not flight.task.done():
                if self._flights.get(key) is flight:
                    del self._flights[key]
                flight.task.cancel()
                await asyncio.gather(flight.task, return_exceptions=True)
            raise
        flight.callers -= 1
        if flight.error is not None:
            raise flight.error
        return flight.result
