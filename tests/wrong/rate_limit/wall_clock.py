"""A sliding window kept on time.monotonic() rather than the event loop's clock: the limiter's times and the
loop's sleeps disagree, so entries come off the window's edges."""

import asyncio
import time
from collections import deque

CAUGHT_IN = "correctness"


class RateLimiter:
    def __init__(self, rate, per):
        if rate < 1 or per <= 0:
            raise ValueError("bad limit")
        self.rate, self.per = rate, per
        self.entries = deque()
        self.lock = asyncio.Lock()

    async def acquire(self):
        async with self.lock:
            while True:
                now = time.monotonic()
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
