"""A token bucket: `rate` tokens, refilled continuously at rate/per tokens a second, so a new entry comes a
fraction of `per` after the last: more than `rate` entries within one window."""

import asyncio

CAUGHT_IN = "correctness"


class RateLimiter:
    def __init__(self, rate, per):
        if rate < 1 or per <= 0:
            raise ValueError("bad limit")
        self.rate, self.per = rate, per
        self.tokens = float(rate)
        self.updated = None
        self.lock = asyncio.Lock()

    async def acquire(self):
        async with self.lock:
            loop = asyncio.get_running_loop()
            while True:
                now = loop.time()
                if self.updated is not None:
                    self.tokens = min(self.rate, self.tokens + (now - self.updated) * self.rate / self.per)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) * self.per / self.rate)

    async def __aenter__(self):
        await self.acquire()

    async def __aexit__(self, *exc_info):
        return None
