"""A semaphore whose slots come back through a task per entry (sleep `per`, then release): tasks of the
limiter's own are left running after every call has returned."""

import asyncio

CAUGHT_IN = "concurrency"


class RateLimiter:
    def __init__(self, rate, per):
        if rate < 1 or per <= 0:
            raise ValueError("bad limit")
        self.per = per
        self.slots = asyncio.Semaphore(rate)
        self.tasks = set()

    async def _give_back(self):
        await asyncio.sleep(self.per)
        self.slots.release()

    async def acquire(self):
        await self.slots.acquire()
        task = asyncio.create_task(self._give_back())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def __aenter__(self):
        await self.acquire()

    async def __aexit__(self, *exc_info):
        return None
