"""A dict of tasks; aclose waits with asyncio.wait, cancels the pending ones and gathers them."""

import asyncio


class BackgroundTasks:
    def __init__(self, on_error):
        self.on_error = on_error
        self.tasks = {}
        self.closing = False

    def spawn(self, coro):
        if self.closing:
            coro.close()
            raise RuntimeError("closing: no new tasks")
        task = asyncio.create_task(coro)
        self.tasks[task] = None
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task):
        del self.tasks[task]
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            self.on_error(error)

    def __len__(self):
        return len([task for task in self.tasks if not task.done()])

    async def aclose(self, timeout):
        self.closing = True
        if not self.tasks:
            return
        pending = set(self.tasks)
        try:
            _, pending = await asyncio.wait(pending, timeout=timeout)
        except asyncio.CancelledError:
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            raise
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
