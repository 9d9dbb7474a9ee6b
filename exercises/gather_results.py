"""Kata: gather results.

Fetching ten things one after another takes ten times as long as fetching one. With asyncio you can start
all ten fetches first and then wait for them together: while one waits on the network, the others are
waiting too, so the whole batch takes about as long as the slowest fetch.
"""


async def fetch_all(fetch, keys):
    """Call `await fetch(key)` for every key, all at the same time, and return the results in key order.

    Contract:
    - `fetch` is an async function of one argument. Call it exactly once for every item of `keys`,
      duplicates included.
    - All the calls run concurrently: start every one before waiting for any.
    - Return a list of the results in the order of `keys` (not the order they finished in).
      No keys: return [] (and call nothing).
    - If a fetch raises, that exception propagates unchanged: the same exception object, not wrapped
      (not in an ExceptionGroup) and not returned in the list. If several raise, any one of them.
      Leave no failed task behind whose exception nobody retrieved.

    Example:
        async def fetch(key):
            await asyncio.sleep(0.1)
            return key.upper()

        await fetch_all(fetch, ["a", "b", "a"])  # -> ["A", "B", "A"], in about 0.1 s, not 0.3 s

    Worth reading: asyncio.gather, asyncio.create_task, asyncio.TaskGroup
    (https://docs.python.org/3/library/asyncio-task.html).
    """
    raise NotImplementedError
