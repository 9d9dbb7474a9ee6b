"""Each spawned task first waits for the one spawned before it: the coroutines run one after another."""

import asyncio

CAUGHT_IN = "concurrency"


class BackgroundTasks:
    def __init__(self, on_error):
        self.on_error = on_error
        self.tasks = set()
        self.last = None
        self.closed = False

    async def _after(self, previous, coro):
        if previous is not None:
            await asyncio.wait([previous])
        return await coro

    def spawn(self, coro):
        if self.closed:
            coro.close()
            raise RuntimeError("closed")
        task = asyncio.create_task(self._after(self.last, coro))
        self.last = task
        self.tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task):
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.on_error(task.exception())

    def __len__(self):
        return sum(not task.done() for task in self.tasks)

    async def aclose(self, timeout):
        self.closed = True
        running = set(self.tasks)
        try:
            if running:
                await asyncio.wait(running, timeout=timeout)
        finally:
            for task in running:
                task.cancel()
            if running:
                await asyncio.wait(running)
