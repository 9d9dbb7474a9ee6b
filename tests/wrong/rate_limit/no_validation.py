"""The reference design without checking its arguments: RateLimiter(0, 1.0) makes a limiter nobody can enter."""

import asyncio
from collections import deque

CAUGHT_IN = "exceptions"


class RateLimiter:
    def __init__(self, rate, per):
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
                await asyncio.sleep(self.entries[0] + self.per - now)

    async def __aenter__(self):
        await self.acquire()

    async def __aexit__(self, *exc_info):
        return None
