"""A FIFO of tickets: only the head of the queue watches the clock (it sleeps until the oldest entry leaves the
window); the others wait for an Event that is set, and replaced, whenever the head changes."""

import asyncio
from collections import deque


class RateLimiter:
    def __init__(self, rate, per):
        if rate < 1:
            raise ValueError("rate < 1")
        if per <= 0:
            raise ValueError("per <= 0")
        self.rate = rate
        self.per = per
        self.entries = deque()
        self.queue = deque()
        self.moved = asyncio.Event()

    def _next_head(self):
        self.moved.set()
        self.moved = asyncio.Event()

    async def acquire(self):
        loop = asyncio.get_running_loop()
        me = object()
        self.queue.append(me)
        try:
            while True:
                now = loop.time()
                while self.entries and now - self.entries[0] >= self.per:
                    self.entries.popleft()
                if self.queue[0] is me:
                    if len(self.entries) < self.rate:
                        self.queue.popleft()
                        self.entries.append(now)
                        self._next_head()
                        return
                    await asyncio.sleep(self.entries[0] + self.per - now)
                else:
                    await self.moved.wait()
        except BaseException:
            if me in self.queue:
                head = self.queue[0] is me
                self.queue.remove(me)
                if head:
                    self._next_head()
            raise

    async def __aenter__(self):
        await self.acquire()
        return None

    async def __aexit__(self, *args):
        return None
