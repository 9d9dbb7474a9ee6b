"""Kata: at most `limit` at a time.

`asyncio.gather` starts every call at once. Against a real service that is often too many: a thousand requests
in the same instant get you throttled, refused or banned, and open a thousand sockets. The usual cure is a bound
on how many run at the same time. Cutting the keys into batches of `limit` and gathering each batch works, but
badly: every batch waits for its slowest call while the other slots sit idle. A sliding window keeps `limit`
calls running all the time: the moment one ends, the next key starts. `asyncio.Semaphore(limit)` hands out
`limit` places and makes the rest wait for one; a fixed number of worker tasks that take keys from a shared
iterator (or an `asyncio.Queue`) does the same. And a bounded batch still owns what it started: when one call
fails, the others are cancelled, and cancelled calls are waited for before the failure goes on up.
"""


async def fetch_limited(fetch, keys, limit: int) -> list:
    """Fetch every key with at most `limit` calls running at any moment, and as many as that while keys are
    left; return the results in key order.

    Contract:
    - `fetch` is an async function of one argument. `keys` is any iterable (a list, a tuple, a generator), to be
      read once. Call `fetch(key)` exactly once for every item of `keys`, duplicates included.
    - At most `limit` calls run at any moment, and `limit` of them run whenever keys are left: a new call starts
      as soon as one ends (a sliding window, not batches that wait for their slowest call).
    - Return the results in the order of `keys`, whatever order the calls end in. No keys: return [].
    - `limit < 1`: raise ValueError before calling anything, even when there are no keys.
    - A call raises: that very exception propagates, as it is (not in an ExceptionGroup); if several fail
      together, any one of them, the others retrieved and dropped. Every call still running, and any that starts
      after the failure, is cancelled and has ended before `fetch_limited` raises: no call started after the
      failure ever finishes.
    - If the task running this is cancelled, every call is cancelled and has ended before it ends, cancelled.
      Nothing you started is left running, and no exception is left unretrieved.

    Example:
        async def fetch(key):
            await asyncio.sleep(0.1)
            return key * 2

        await fetch_limited(fetch, range(10), limit=3)   # -> [0, 2, 4, ..., 18], in about 0.4 s:
                                                         # never more than 3 fetches running at once
        await fetch_limited(fetch, [], limit=0)          # raises ValueError

    Worth reading: asyncio.Semaphore (https://docs.python.org/3/library/asyncio-sync.html#asyncio.Semaphore),
    asyncio.TaskGroup (https://docs.python.org/3/library/asyncio-task.html#task-groups), and asyncio.Queue
    (https://docs.python.org/3/library/asyncio-queue.html).
    """
    raise NotImplementedError
