"""Kata: run async code from sync code.

Coroutines only run inside an event loop, and at the top of a program (a script's `main`, a command-line tool,
a callback from a library that knows nothing of asyncio) no loop is running yet. Something has to make one,
run the coroutine on it to its end, clean up after it and close the loop: that is `asyncio.run`, the bridge
from ordinary code into async code. Cleaning up matters: a task the coroutine started and left running would
otherwise be destroyed while still pending, and an open loop holds on to its resources. The bridge only goes
one way: inside a coroutine a loop is already running, and there you simply `await`.
"""


def run_sync(coro_fn, *args):
    """Run `coro_fn(*args)` to completion on a new event loop and return its result, as `asyncio.run` does.

    Contract:
    - `run_sync` is a plain function, called from synchronous code: no event loop is running in its thread.
    - `coro_fn` is an async function; call it once, with `args` in order, and run the coroutine on an event
      loop of its own, made for this call: every call gets a new loop, so calls from different threads can run
      at the same time.
    - Return the coroutine's result, as it is.
    - If the coroutine raises, that exception propagates unchanged (the same object, not wrapped).
    - Whether the coroutine returns or raises: any task it started and left running is cancelled, and has
      finished, before `run_sync` returns; then the loop is closed.
    - Called from inside a running event loop (from a coroutine), raise `RuntimeError` without running the
      coroutine.

    Example:
        async def add(a, b):
            await asyncio.sleep(0.1)
            return a + b

        run_sync(add, 2, 3)  # -> 5, from ordinary code

    Worth reading: asyncio.run and asyncio.Runner
    (https://docs.python.org/3/library/asyncio-runner.html).
    """
    raise NotImplementedError
