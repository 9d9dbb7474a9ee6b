"""Kata: results as they complete.

`gather` hands you every result at once, when the slowest call is done. Often you would rather act on each
result the moment it arrives: show the first search hit, start processing the first download. An async
generator (an `async def` with `yield` in its body, iterated with `async for`) can hand results over one by
one, in the order the calls finish.

A generator that starts tasks owns them. Its consumer may stop early (a `break`), or fail, or be cancelled:
then nobody will ever wait for the tasks still running, and unless the generator cancels them they go on
running in the background. `try`/`finally` in the generator is where that cleanup goes: it runs whether the
iteration ends normally, raises, is cancelled, or is closed by `aclose()`.
"""


async def in_completion_order(coro_fns):
    """Run every async function of no arguments at once and yield each result as soon as it is ready.

    Contract:
    - `coro_fns` is a list of async functions of no arguments. When iteration begins, call each one exactly
      once and run them all concurrently.
    - Yield each result as soon as its call finishes, in the order they finish: the fastest comes first,
      without waiting for the others. No functions: the iteration ends at once, having yielded nothing.
    - If a call raises, that exception propagates unchanged (the same object, not wrapped) out of the
      iteration, and every call still running is cancelled.
    - If the consumer stops early, every call still running is cancelled: when it closes the generator
      (`aclose()`, which `contextlib.aclosing` does after a `break`), and when the task iterating is
      cancelled while waiting for the next result (it then ends cancelled).

    Example:
        async def after(delay, value):
            await asyncio.sleep(delay)
            return value

        fns = [lambda: after(0.3, "slow"), lambda: after(0.1, "fast")]
        async with contextlib.aclosing(in_completion_order(fns)) as results:
            async for value in results:
                print(value)  # "fast" after 0.1 s, then "slow" after 0.3 s

    Worth reading: asyncio.as_completed and asyncio.wait (https://docs.python.org/3/library/asyncio-task.html),
    asynchronous generators (https://docs.python.org/3/reference/expressions.html#asynchronous-generator-functions)
    and contextlib.aclosing (https://docs.python.org/3/library/contextlib.html#contextlib.aclosing).
    """
    raise NotImplementedError
