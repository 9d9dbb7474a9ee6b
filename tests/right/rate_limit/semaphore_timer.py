"""A semaphore of `rate` slots; each entry schedules its slot's return `per` seconds later with loop.call_later."""

import asyncio


class RateLimiter:
    def __init__(self, rate: int, per: float) -> None:
        if rate < 1 or per <= 0:
            raise ValueError("rate must be >= 1 and per > 0")
        self._per = per
        self._slots = asyncio.Semaphore(rate)

    async def acquire(self) -> None:
        await self._slots.acquire()
        asyncio.get_running_loop().call_later(self._per, self._slots.release)

    async def __aenter__(self):
        await self.acquire()
        return self

    async def __aexit__(self, *exc_info):
        return False
