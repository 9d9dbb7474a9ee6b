"""Kata: handle errors, keep cancellation.

An exception raised inside a coroutine travels up through every `await`, just as through plain function
calls, so `try`/`except` around an `await` works as you would expect. One exception is special:
`asyncio.CancelledError`, which asyncio raises inside a task to cancel it. It derives from `BaseException`,
not `Exception`, precisely so that `except Exception:` lets it through. Catch it by accident, and the task
can no longer be cancelled: timeouts stop working and shutdown hangs.
"""


async def fetch_or_default(fetch, key, default):
    """Return `await fetch(key)`, or `default` if the fetch raises an ordinary error.

    Contract:
    - `fetch` is an async function of one argument; call it once, with `key`.
    - If it returns, return its result as it is (even None, 0 or "").
    - If it raises any `Exception` (ValueError, KeyError, OSError, your own subclasses...), return `default`
      (that very object).
    - Cancellation is never swallowed: if the task running this is cancelled, it ends cancelled.
    - A `BaseException` that is not an `Exception` (KeyboardInterrupt, SystemExit, ...) propagates.

    Example:
        async def fetch(key):
            raise KeyError(key)

        await fetch_or_default(fetch, "a", default=0)  # -> 0

    Worth reading: the exception hierarchy (https://docs.python.org/3/library/exceptions.html) and
    asyncio.CancelledError (https://docs.python.org/3/library/asyncio-exceptions.html).
    """
    raise NotImplementedError
