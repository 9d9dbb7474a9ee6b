"""aclose gathers the tasks without return_exceptions: a failure during the grace period comes out of aclose,
and the other tasks are left running."""

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
        if not self.tasks:
            return
        try:
            await asyncio.wait_for(asyncio.gather(*self.tasks), timeout)
        except TimeoutError:
            pass
