"""Kata: the first success wins.

Ask several servers the same question and take whichever answers first: once one has answered, the others no
longer matter, and a server that fails does not matter either, as long as another can still answer. Two
things make this harder than it looks. The losers must be cancelled, and have finished cancelling, before you
return: otherwise they go on running (and holding connections) in the background. And when every attempt
fails, the caller deserves to see every failure, not just one: an ExceptionGroup holds several exceptions.
"""


async def first_success(coro_fns):
    """Run every function of `coro_fns` at the same time and return the result of the first one to succeed.

    Contract:
    - `coro_fns` is a list of async functions of no arguments. Call each exactly once, and run the calls
      concurrently: start every one before waiting for any.
    - Return the result of the first call to succeed (to return rather than raise), as soon as it has: do not
      wait for the others.
    - A call that raises an `Exception` is ignored while others are still running.
    - Before returning, cancel every call still running, and wait until each has ended.
    - If every call raises, raise an `ExceptionGroup` holding every one of their exceptions (the very objects,
      in any order).
    - An empty list: raise `ValueError`.
    - Cancellation is never swallowed: if the task running this is cancelled, it ends cancelled.

    Example:
        async def slow():
            await asyncio.sleep(1)
            return "slow"

        async def broken():
            raise ConnectionError("refused")

        async def fast():
            await asyncio.sleep(0.1)
            return "fast"

        await first_success([slow, broken, fast])  # -> "fast" after about 0.1 s, once slow is cancelled

    Worth reading: asyncio.wait with return_when=FIRST_COMPLETED, asyncio.as_completed and Task.cancel
    (https://docs.python.org/3/library/asyncio-task.html#waiting-primitives), and ExceptionGroup
    (https://docs.python.org/3/library/exceptions.html#exception-groups).
    """
    raise NotImplementedError
