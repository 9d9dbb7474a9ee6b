"""Failures are collected only in aclose, long after the task ended."""

import asyncio

CAUGHT_IN = "exceptions"


class BackgroundTasks:
    def __init__(self, on_error):
        self.on_error = on_error
        self.tasks = set()
        self.closed = False

    def spawn(self, coro):
        if self.closed:
            coro.close()
            raise RuntimeError("closed")
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        return task

    def __len__(self):
        return sum(not task.done() for task in self.tasks)

    async def aclose(self, timeout):
        self.closed = True
        if not self.tasks:
            return
        try:
            await asyncio.wait(self.tasks, timeout=timeout)
        finally:
            for task in self.tasks:
                task.cancel()
            results = await asyncio.gather(*self.tasks, return_exceptions=True)
            for result in results:
                if isinstance(result, Exception):
                    self.on_error(result)
