"""Kata: timeouts.

A call to a slow service must not hold you up forever. A timeout in asyncio does two things when time runs
out: it stops waiting, and it cancels the work, so the slow call does not go on running (and holding
connections) in the background after you have given up on it. Raising an error without cancelling the
work leaks it; cancelling without raising hides the failure.
"""


async def fetch_with_timeout(fetch, key, timeout: float):
    """Return `await fetch(key)` if it completes within `timeout` seconds; otherwise cancel it and raise
    TimeoutError.

    Contract:
    - `fetch` is an async function of one argument; call it once, with `key`.
    - It finishes in time: return its result as soon as it is ready (do not wait out the timeout).
    - It does not: cancel the fetch and raise `TimeoutError` (the builtin; `asyncio.TimeoutError` is the same
      class since Python 3.11), promptly, about `timeout` seconds after the call, not when the fetch would
      have finished. No task is left running.
    - An exception raised by the fetch itself propagates unchanged (same object).

    Example:
        async def fetch(key):
            await asyncio.sleep(10)
            return key

        await fetch_with_timeout(fetch, "a", 0.5)  # raises TimeoutError after about 0.5 s

    Worth reading: asyncio.timeout and asyncio.wait_for
    (https://docs.python.org/3/library/asyncio-task.html#timeouts).
    """
    raise NotImplementedError
