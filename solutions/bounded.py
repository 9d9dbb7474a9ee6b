"""Reference solution: at most `limit` at a time."""

import asyncio


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
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit!r}")
    numbered = enumerate(keys)  # one iterator, shared: each key is taken by exactly one worker
    results = {}

    async def worker():
        for index, key in numbered:
            results[index] = await fetch(key)

    # `limit` workers, each starting its next key the moment its call ends: a sliding window. The group cancels
    # and awaits the other workers when one fails, and when the caller is cancelled.
    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(limit):
                group.create_task(worker())
    except ExceptionGroup as failures:  # not except*: on Python 3.11.0-3.11.3 it puts what it raises in a group
        raise failures.exceptions[0] from None  # the failure as it is, not in a group
    return [results[index] for index in range(len(results))]
