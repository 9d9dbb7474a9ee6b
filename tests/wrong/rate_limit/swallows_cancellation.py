"""The reference design, but a waiter that is cancelled catches the CancelledError and waits on: it enters
later after all, and its caller never learns it was cancelled."""

import asyncio
from collections import deque

CAUGHT_IN = "exceptions"


class RateLimiter:
    def __init__(self, rate, per):
        if rate < 1 or per <= 0:
            raise ValueError("bad limit")
        self.rate, self.per = rate, per
        self.entries = deque()
        self.lock = asyncio.Lock()

    async def acquire(self):
        async with self.lock:
            loop = asyncio.get_running_loop()
            while True:
                now = loop.time()
                while self.entries and self.entries[0] + self.per <= now:
                    self.entries.popleft()
                if len(self.entries) < self.rate:
                    self.entries.append(now)
                    return
                try:
                    await asyncio.sleep(self.entries[0] + self.per - now)
                except asyncio.CancelledError:
                    pass

    async def __aenter__(self):
        await self.acquire()

    async def __aexit__(self, *exc_info):
        return None
