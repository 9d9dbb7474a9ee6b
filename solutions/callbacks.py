"""Reference solution: from a callback API to an awaitable."""

import asyncio


async def wait_callback(start):
    """Start a callback-based operation and return its outcome.

    Contract:
    - `start(on_done)` (a plain function) begins an operation and returns a `cancel()` function (plain too). The
      operation calls `on_done(result, error)` exactly once, from another thread, at any time after `start` is
      called: even before `start` returns.
    - If `error is not None`, raise that very exception, whatever `result` is; otherwise return `result`, even if
      it is `None`, `0`, `''` or `False`.
    - The event loop must wake as soon as `on_done` is called, even when nothing else is scheduled.
    - If the caller is cancelled before the outcome was delivered: call `cancel()` exactly once and end cancelled
      at once (the operation may call `on_done` later, or never). Not cancelled: never call `cancel()`.
    - A late `on_done` (after the caller was cancelled) is ignored quietly: it never raises, not even after the
      event loop has closed, and nothing is logged (no `InvalidStateError`).

    Example:
        def start(on_done):
            timer = threading.Timer(0.1, on_done, args=("pong", None))
            timer.start()
            return timer.cancel

        await wait_callback(start)  # "pong", after 0.1 s

    Worth reading: loop.call_soon_threadsafe
    (https://docs.python.org/3/library/asyncio-eventloop.html#asyncio.loop.call_soon_threadsafe), futures
    (https://docs.python.org/3/library/asyncio-future.html), and concurrency and multithreading in asyncio
    (https://docs.python.org/3/library/asyncio-dev.html#concurrency-and-multithreading).
    """
    loop = asyncio.get_running_loop()
    future = loop.create_future()  # made before start: on_done may come before start returns

    def settle(result, error):  # in the loop's thread
        if future.done():  # the caller was cancelled: a late outcome is nobody's
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def on_done(result, error):  # in the operation's thread
        try:
            loop.call_soon_threadsafe(settle, result, error)  # hands settle to the loop, and wakes it
        except RuntimeError:  # the loop has closed: nobody is waiting any more
            pass

    cancel = start(on_done)
    try:
        return await future
    except asyncio.CancelledError:
        if future.cancelled():  # cancelled while the outcome was still to come
            cancel()
        raise
