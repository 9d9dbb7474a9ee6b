"""Each caller reserves its entry time on arrival and sleeps until then: a caller cancelled while it waits keeps
its reservation, so everyone behind it is delayed by a slot nobody uses."""

import asyncio
from collections import deque

CAUGHT_IN = "correctness"


class RateLimiter:
    def __init__(self, rate, per):
        if rate < 1 or per <= 0:
            raise ValueError("bad limit")
        self.rate, self.per = rate, per
        self.reserved = deque()  # entry times given out, in order

    async def acquire(self):
        loop = asyncio.get_running_loop()
        now = loop.time()
        when = now
        if len(self.reserved) >= self.rate:
            when = max(now, self.reserved[-self.rate] + self.per)
        if self.reserved:
            when = max(when, self.reserved[-1])
        self.reserved.append(when)
        while len(self.reserved) > 4 * self.rate:
            self.reserved.popleft()
        await asyncio.sleep(when - now)

    async def __aenter__(self):
        await self.acquire()

    async def __aexit__(self, *exc_info):
        return None
