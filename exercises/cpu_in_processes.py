"""Kata: CPU work in a process pool.

The event loop runs in one thread, and while a coroutine computes, nothing else runs: a second of number
crunching is a second of frozen loop. A worker thread does not help with Python code: threads take turns holding
the GIL, so CPU-bound work in `asyncio.to_thread` still competes with the loop, and never runs on a second core.
A process pool does: `concurrent.futures.ProcessPoolExecutor` runs functions in other processes, each with its own
interpreter and its own GIL, truly in parallel. `loop.run_in_executor(pool, fn, item)` hands one call to the pool
and gives back an asyncio future, which a coroutine awaits like any other while the loop goes on running.

Two things come with processes. What crosses to them is pickled: the function must be importable by name
(module-level), and arguments, results and exceptions travel as copies. And a pool owns processes: shut it down,
and wait for them, when the work is done, or they linger after your function has returned.
"""


async def crunch_all(fn, items, workers: int) -> list:
    """Compute `fn(item)` for every item in a pool of `workers` processes, awaited without blocking the event
    loop, and return the results in item order.

    Contract:
    - `fn` is a CPU-bound, picklable, module-level function of one argument; `items` is a list of picklable
      arguments; `workers` (at least 1) is how many processes the pool has.
    - Call `fn(item)` once for every item, in a pool of `workers` processes (never in the event loop's own
      process, and never more than `workers` processes). Hand every call to the pool before awaiting any, so
      that `workers` calls compute at the same time while items are waiting.
    - Await the results from the event loop without blocking it: other tasks keep running while the pool works.
    - Return a list of the results in the order of `items`, whatever order they finished in.
      No items: return [].
    - Shut the pool down and wait for its processes before returning or raising: no child process is left.
    - If `fn` raises, an exception of the same type, with the same message, propagates (a copy: it comes back
      pickled from the worker process). Not wrapped (not in an ExceptionGroup), not returned in the list.

    Example:
        # in a module of its own, so that the pool can pickle it by name:
        def square(n):
            return n * n

        await crunch_all(square, [1, 2, 3], workers=2)  # -> [1, 4, 9], computed in 2 worker processes

    Worth reading: loop.run_in_executor
    (https://docs.python.org/3/library/asyncio-eventloop.html#executing-code-in-thread-or-process-pools) and
    concurrent.futures.ProcessPoolExecutor
    (https://docs.python.org/3/library/concurrent.futures.html#processpoolexecutor).
    """
    raise NotImplementedError
