"""aclose gathers the tasks under asyncio.timeout: on timeout (or cancellation) the gather cancels them and waits."""

import asyncio


class BackgroundTasks:
    def __init__(self, on_error):
        self._on_error = on_error
        self._running = set()
        self._closed = False

    def spawn(self, coro):
        if self._closed:
            coro.close()
            raise RuntimeError("aclose() was called")
        task = asyncio.get_running_loop().create_task(coro)
        self._running.add(task)
        task.add_done_callback(self._report)
        return task

    def _report(self, task):
        self._running.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            self._on_error(error)

    def __len__(self):
        return sum(1 for task in self._running if not task.done())

    async def aclose(self, timeout):
        self._closed = True
        if not self._running:
            return
        try:
            async with asyncio.timeout(timeout):
                await asyncio.gather(*self._running, return_exceptions=True)
        except TimeoutError:
            pass
