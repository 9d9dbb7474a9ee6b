"""Failures are reported when the task ends, and once more by aclose's gather."""

import asyncio

CAUGHT_IN = "exceptions"


class BackgroundTasks:
    def __init__(self, on_error):
        self.on_error = on_error
        self.tasks = set()
        self.all_tasks = []
        self.closed = False

    def spawn(self, coro):
        if self.closed:
            coro.close()
            raise RuntimeError("closed")
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        self.all_tasks.append(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task):
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.on_error(task.exception())

    def __len__(self):
        return len(self.tasks)

    async def aclose(self, timeout):
        self.closed = True
        running = set(self.tasks)
        try:
            if running:
                await asyncio.wait(running, timeout=timeout)
        finally:
            for task in running:
                task.cancel()
            results = await asyncio.gather(*self.all_tasks, return_exceptions=True)
            for result in results:
                if isinstance(result, Exception):
                    self.on_error(result)
