"""Tasks are kept forever: len() counts the finished ones too."""

import asyncio

CAUGHT_IN = "correctness"


class BackgroundTasks:
    def __init__(self, on_error):
        self.on_error = on_error
        self.tasks = []
        self.closed = False

    def spawn(self, coro):
        if self.closed:
            coro.close()
            raise RuntimeError("closed")
        task = asyncio.create_task(coro)
        self.tasks.append(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task):
        if not task.cancelled() and task.exception() is not None:
            self.on_error(task.exception())

    def __len__(self):
        return len(self.tasks)

    async def aclose(self, timeout):
        self.closed = True
        running = [task for task in self.tasks if not task.done()]
        try:
            if running:
                await asyncio.wait(running, timeout=timeout)
        finally:
            for task in running:
                task.cancel()
            if running:
                await asyncio.wait(running)
