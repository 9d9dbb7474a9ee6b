"""Kata: the outcome of every task.

Sometimes a failure must not stop the others: fetch ten pages, and report which ones worked and which did not.
Run the calls concurrently, and catch each call's exception where it happens, so that it becomes an outcome
among the others instead of ending the whole batch. A task that fails keeps its exception until someone asks
for it; one that nobody ever asks makes asyncio log "Task exception was never retrieved". And the batch as a
whole can still be cancelled: then every task it started must be cancelled too, and waited for, so nothing is
left running behind it.
"""


async def collect_outcomes(coro_fns) -> list:
    """Run every function of `coro_fns` at the same time; return, in input order, how each call ended.

    Contract:
    - `coro_fns` is a list of async functions of no arguments; call each one once. All the calls run
      concurrently: the batch takes about as long as the slowest call, not the sum.
    - Return a list with one entry per function, in the order of `coro_fns` (not the order they finished in):
      `("ok", result)` if the call returned, `("error", exception)` if it raised an `Exception` (the exception
      object itself). An empty list gives [].
    - Classify by how each call ended: a call that returns an exception object, rather than raising it, is
      `("ok", that object)`.
    - A failing call does not stop or cancel the others, and no failure is left unretrieved.
    - If `collect_outcomes` itself is cancelled, every call still running is cancelled too, and has finished,
      before `collect_outcomes` ends cancelled.

    Example:
        async def ok():
            await asyncio.sleep(0.1)
            return 1

        async def broken():
            raise ValueError("no")

        await collect_outcomes([ok, broken])  # -> [("ok", 1), ("error", ValueError("no"))]

    Worth reading: asyncio.gather and its return_exceptions parameter, Task.exception
    (https://docs.python.org/3/library/asyncio-task.html#running-tasks-concurrently).
    """
    raise NotImplementedError
