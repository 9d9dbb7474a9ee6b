"""Kata: hello, coroutine.

An `async def` function is a coroutine function. Calling it does not run it: it makes a coroutine object,
and `await` runs that coroutine inside the event loop. While a coroutine waits, for a timer or for the
network, the event loop runs other coroutines: that is all of asyncio's concurrency. It only works if the
waiting is awaited. A blocking call such as `time.sleep` stops the event loop itself, and with it every
other task.
"""


async def delayed_greeting(name: str, delay: float) -> str:
    """Wait `delay` seconds without blocking the event loop, then return `f"Hello, {name}!"`.

    Contract:
    - Wait at least `delay` seconds (0 means no wait) before returning.
    - Meanwhile the event loop stays free: other tasks keep running, so ten greetings started together
      take about `delay` seconds, not ten times as long.
    - Return exactly `f"Hello, {name}!"`, whatever the name (empty, unicode, spaces).
    - If the task running it is cancelled while it waits, it ends cancelled.

    Example:
        await delayed_greeting("Ada", 0.5)  # -> "Hello, Ada!" after about half a second

    Worth reading: asyncio.sleep, and the difference from time.sleep
    (https://docs.python.org/3/library/asyncio-task.html#sleeping).
    """
    raise NotImplementedError
