"""Waits for the window with time.sleep: the whole event loop stops meanwhile."""

import asyncio
import time
from collections import deque

CAUGHT_IN = "concurrency"


class RateLimiter:
    def __init__(self, rate, per):
        if rate < 1 or per <= 0:
            raise ValueError("bad limit")
        self.rate, self.per = rate, per
        self.entries = deque()

    async def acquire(self):
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            while self.entries and self.entries[0] + self.per <= now:
                self.entries.popleft()
            if len(self.entries) < self.rate:
                self.entries.append(now)
                return
            time.sleep(self.entries[0] + self.per - now)

    async def __aenter__(self):
        await self.acquire()

    async def __aexit__(self, *exc_info):
        return None
