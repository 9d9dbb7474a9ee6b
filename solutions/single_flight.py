"""Reference solution: one call in flight, shared by everyone who asks."""

import asyncio


class _Flight:
    def __init__(self, task):
        self.task = task
        self.waiters = 0


class SingleFlight:
    """Concurrent `get`s of one key share a single call of `load(key)`.

    Contract:
    - `SingleFlight()` takes no arguments. `async get(key, load)`: `key` is hashable; `load` is an async function
      of one argument. Return the result of `load(key)`.
    - Concurrent callers of `get` with the same key share one call of `load(key)`: the first caller's `load`,
      started by the first caller, and every caller receives its result. Nothing is cached: a caller arriving
      after that call has returned or raised, or after its last caller was cancelled, starts a new call.
    - Different keys load concurrently: a call for one key never waits for a call for another.
    - When the call raises, that very exception is raised to every caller that shared it, and it is not kept.
    - A caller that is cancelled ends cancelled at once, without waiting for the shared call and without
      disturbing the others: the call goes on while any caller still waits. When the last caller waiting for it
      has been cancelled, the call is cancelled, and that caller awaits its end before it ends cancelled itself.
    - No task is left running, and no exception unretrieved, once no caller waits for a call.

    Example:
        flight = SingleFlight()
        a, b = await asyncio.gather(flight.get("user:7", load), flight.get("user:7", load))
        # load("user:7") was called once; a == b
        await flight.get("user:7", load)  # a new call: nothing was kept

    Worth reading: asyncio.shield (https://docs.python.org/3/library/asyncio-task.html#shielding-from-cancellation),
    asyncio.wait (https://docs.python.org/3/library/asyncio-task.html#asyncio.wait), and task cancellation
    (https://docs.python.org/3/library/asyncio-task.html#task-cancellation).
    """

    def __init__(self):
        self._flights = {}

    def _forget(self, key, flight):
        if self._flights.get(key) is flight:
            del self._flights[key]

    async def get(self, key, load):
        """Return the result of `load(key)`, sharing one call with every concurrent caller for `key`."""
        flight = self._flights.get(key)
        if flight is None:
            flight = self._flights[key] = _Flight(asyncio.ensure_future(load(key)))
            # Once the call is over (returned, raised or cancelled), the next caller starts a new one.
            flight.task.add_done_callback(lambda _: self._forget(key, flight))
        flight.waiters += 1
        try:
            # The shield lets this caller stop waiting without cancelling the call the others share.
            return await asyncio.shield(flight.task)
        except asyncio.CancelledError:
            if flight.waiters == 1 and not flight.task.done():
                self._forget(key, flight)  # a caller arriving from now on starts a new call
                flight.task.cancel()
                await asyncio.wait([flight.task])  # the last one out cancels the call and sees it end
            raise
        finally:
            flight.waiters -= 1
