"""The load's failure is wrapped in a new exception instead of being raised as it is."""

import asyncio

CAUGHT_IN = "exceptions"


class SingleFlight:
    def __init__(self):
        self._flights = {}

    async def get(self, key, load):
        if key not in self._flights:
            self._flights[key] = [asyncio.ensure_future(load(key)), 0]
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
        except Exception as error:
            raise RuntimeError(f"loading {key!r} failed") from error
        finally:
            flight[1] -= 1
            if task.done() and self._flights.get(key) is flight:
                del self._flights[key]
