"""Counts entries in fixed windows [k * per, (k + 1) * per): entries just before and just after a boundary add
up to more than `rate` within one `per`."""

import asyncio
import math

CAUGHT_IN = "correctness"


class RateLimiter:
    def __init__(self, rate, per):
        if rate < 1 or per <= 0:
            raise ValueError("bad limit")
        self.rate, self.per = rate, per
        self.window = None
        self.count = 0
        self.lock = asyncio.Lock()

    async def acquire(self):
        async with self.lock:
            loop = asyncio.get_running_loop()
            while True:
                window = math.floor(loop.time() / self.per)
                if window != self.window:
                    self.window, self.count = window, 0
                if self.count < self.rate:
                    self.count += 1
                    return
                await asyncio.sleep((window + 1) * self.per - loop.time())

    async def __aenter__(self):
        await self.acquire()

    async def __aexit__(self, *exc_info):
        return None
