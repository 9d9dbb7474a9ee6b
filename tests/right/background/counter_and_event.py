"""A count of running tasks and an Event set when it drops to zero; aclose waits on the Event in a task."""

import asyncio


class BackgroundTasks:
    def __init__(self, on_error):
        self.on_error = on_error
        self.running = set()
        self.idle = asyncio.Event()
        self.idle.set()
        self.closed = False

    def spawn(self, coro):
        if self.closed:
            coro.close()
            raise RuntimeError("BackgroundTasks closed")
        task = asyncio.ensure_future(coro)
        self.running.add(task)
        self.idle.clear()
        task.add_done_callback(self.ended)
        return task

    def ended(self, task):
        self.running.discard(task)
        if not self.running:
            self.idle.set()
        if not task.cancelled() and task.exception() is not None:
            self.on_error(task.exception())

    def __len__(self):
        return sum(not task.done() for task in self.running)

    async def aclose(self, timeout):
        self.closed = True
        waiter = asyncio.ensure_future(self.idle.wait())
        try:
            await asyncio.wait([waiter], timeout=timeout)
        finally:
            waiter.cancel()
            left = list(self.running)
            for task in left:
                task.cancel()
            while self.running:
                await asyncio.wait(list(self.running))
