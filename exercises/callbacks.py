"""Kata: from a callback API to an awaitable.

Plenty of libraries predate asyncio and report results through callbacks: you start an operation and hand it a
function, which the library calls, from a thread of its own, once the outcome is known. To `await` such an
operation, make a future on your event loop, give the library a callback that completes it, and await the future.

Two things make this harder than it looks. The callback runs in another thread, and asyncio objects are not
thread-safe: setting a future there does not wake the loop, which may sleep on with the result sitting next to it.
`loop.call_soon_threadsafe(fn, *args)` hands `fn` to the loop's own thread and wakes the loop. And the caller may
be cancelled while the operation is still under way: then the operation must be cancelled too, and the outcome
may still arrive later, when nobody wants it, and even after the loop has closed.
"""


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
    raise NotImplementedError
