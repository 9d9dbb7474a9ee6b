"""A queue of futures, one per waiter; a timer set for the moment the oldest entry leaves the window hands the
free slots to the waiters at the head."""

import asyncio
from collections import deque


class RateLimiter:
    def __init__(self, rate: int, per: float) -> None:
        if not rate >= 1 or not per > 0:
            raise ValueError(f"invalid rate limit: {rate} per {per}")
        self.rate, self.per = rate, per
        self.entries: deque[float] = deque()
        self.waiters: deque[asyncio.Future] = deque()
        self.timer: asyncio.TimerHandle | None = None

    def _free(self, now: float) -> int:
        while self.entries and self.entries[0] + self.per <= now:
            self.entries.popleft()
        return self.rate - len(self.entries)

    def _dispatch(self) -> None:
        loop = asyncio.get_running_loop()
        self.timer = None
        now = loop.time()
        while self.waiters and self._free(now) > 0:
            waiter = self.waiters.popleft()
            if not waiter.done():
                self.entries.append(now)
                waiter.set_result(now)
        if self.waiters and self.timer is None:
            self.timer = loop.call_at(self.entries[0] + self.per, self._dispatch)

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        if not self.waiters and self._free(loop.time()) > 0:
            self.entries.append(loop.time())
            return
        waiter = loop.create_future()
        self.waiters.append(waiter)
        if self.timer is None:
            self.timer = loop.call_at(self.entries[0] + self.per, self._dispatch)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                # The slot was handed over at the very moment this caller was cancelled: give it back.
                self.entries.remove(waiter.result())
                self._dispatch()
            elif waiter in self.waiters:
                self.waiters.remove(waiter)
            raise

    async def __aenter__(self):
        await self.acquire()

    async def __aexit__(self, exc_type, exc, tb):
        pass
