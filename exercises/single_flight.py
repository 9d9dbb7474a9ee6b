"""Kata: one call in flight, shared by everyone who asks.

A hundred requests for the same user profile arrive within a millisecond of each other, and each one would load
it from the database: a hundred identical queries, all at once, exactly when the database is busiest (a
"thundering herd"). Single flight fixes that without any cache: the first caller for a key starts the load, and
everyone who asks for that key while it is still running waits for the very same call and receives its result.
Once the call is over, the next caller starts a fresh one.

Sharing one call between several waiters brings a question that a plain `await` never asks: what happens when
one of them is cancelled? Cancelling a task cancels what it awaits, so a caller that simply awaits the shared
task would cancel it for everybody. `asyncio.shield` (or `asyncio.wait`, which never cancels what it waits for)
lets a caller stop waiting without touching the shared call; and when the last one stops waiting, nobody wants
the result any more, so the call itself is cancelled.
"""


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
        raise NotImplementedError

    async def get(self, key, load):
        """Return the result of `load(key)`, sharing one call with every concurrent caller for `key`."""
        raise NotImplementedError
