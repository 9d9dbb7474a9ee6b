"""Kata: a rate limiter that callers queue at.

An API that allows 10 requests per second, a mail server that takes 100 messages a minute: the limit is on how
many calls start within a stretch of time, not on how many run at once. A semaphore cannot say that: a slot
must come back `per` seconds after it was taken, whatever the holder does meanwhile.

A sliding window keeps the time of each recent entry: a new entry may start when fewer than `rate` entries
started within the last `per` seconds, or else once the oldest of them is `per` seconds old. Callers that must
wait queue, and enter in the order they came, each woken when its turn has come: not by checking the clock again
and again (a polling loop burns the CPU and is late by up to its interval), but by waiting for exactly the
moment a slot frees. And a caller may give up while it waits (it is cancelled): it must leave the queue without
taking a slot and without holding up anybody behind it.
"""

import asyncio
from collections import deque


class RateLimiter:
    """At most `rate` entries within any `per` seconds, for callers that wait their turn in order.

    Contract:
    - `RateLimiter(rate, per)`: `rate` an int, `per` a float of seconds. `rate < 1` or `per <= 0`: raise
      ValueError.
    - Used as `async with limiter:` (entering is the entry; leaving does nothing, and never suppresses an
      exception raised in the block) or as `await limiter.acquire()`, which returns None.
    - At most `rate` entries start within any window of `per` seconds, on the event loop's clock
      (`loop.time()`): an entry at time t counts within [t, t + per), so the next may start at exactly t + per.
    - A caller waits no longer than that rule requires: with room in the window and nobody waiting, it enters
      at once; else at the very moment the rule allows.
    - Callers that wait enter in the order they arrived (first come, first served); one arriving while others
      wait queues behind them, even if a slot frees at that very moment.
    - A waiting caller that is cancelled ends cancelled at once, takes no slot (even one handed to it at that
      instant: it goes to the next waiter) and delays nobody.
    - Waiters wake when a slot frees, never by polling: no busy loop, no `asyncio.sleep(0)` spin, no checks at
      fixed intervals. The event loop is never blocked.
    - No task of its own is left running once a call has returned (a timer, `loop.call_at`, is not a task).

    Example:
        limiter = RateLimiter(2, 1.0)
        async def call(n):
            async with limiter:
                print(n, round(asyncio.get_running_loop().time() - start, 1))
        start = asyncio.get_running_loop().time()
        await asyncio.gather(*(call(n) for n in range(5)))
        # 0 0.0, 1 0.0, 2 1.0, 3 1.0, 4 2.0

    Worth reading: `loop.time()` and `loop.call_at`
    (https://docs.python.org/3/library/asyncio-eventloop.html#scheduling-delayed-callbacks), asyncio.Lock, whose
    waiters are served in order (https://docs.python.org/3/library/asyncio-sync.html#asyncio.Lock), futures
    (https://docs.python.org/3/library/asyncio-future.html), and asynchronous context managers
    (https://docs.python.org/3/reference/datamodel.html#async-context-managers).
    """

    def __init__(self, rate: int, per: float) -> None:
        if rate < 1 or per <= 0:
            raise ValueError(f"need rate >= 1 and per > 0, got rate={rate!r}, per={per!r}")
        self.rate = rate
        self.per = per
        self.entries: deque[float] = deque()  # start times of the entries in the window, oldest first
        self.turn = asyncio.Lock()  # waiters queue here, in arrival order; the holder is the next to enter

    async def acquire(self) -> None:
        """Wait for this caller's turn and a free slot in the window, then take it (record the entry)."""
        async with self.turn:
            loop = asyncio.get_running_loop()
            while True:
                now = loop.time()
                while self.entries and self.entries[0] + self.per <= now:
                    self.entries.popleft()
                if len(self.entries) < self.rate:
                    self.entries.append(now)
                    return
                # Cancelled here, the lock is released and nothing was taken: the next waiter goes on.
                await asyncio.sleep(self.entries[0] + self.per - now)

    async def __aenter__(self) -> "RateLimiter":
        """`async with limiter:` enters as `await limiter.acquire()` does."""
        await self.acquire()
        return self

    async def __aexit__(self, *exc_info) -> None:
        """Leaving the block: nothing to give back, and an exception raised in the block goes on."""
        return None
