"""spawn never refuses: a coroutine handed over during or after aclose still runs."""

import asyncio

CAUGHT_IN = "exceptions"


class BackgroundTasks:
    def __init__(self, on_error):
        self.on_error = on_error
        self.tasks = set()

    def spawn(self, coro):
        task = asyncio.create_task(coro)
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
        running = set(self.tasks)
        try:
            if running:
                await asyncio.wait(running, timeout=timeout)
        finally:
            for task in running:
                task.cancel()
            if running:
                await asyncio.wait(running)
