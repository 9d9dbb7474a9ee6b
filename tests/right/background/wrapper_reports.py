"""Each coroutine runs inside a wrapper that reports its own failure; aclose uses asyncio.wait_for on a gather."""

import asyncio


class BackgroundTasks:
    def __init__(self, on_error):
        self._on_error = on_error
        self._tasks = set()
        self._accepting = True

    async def _guarded(self, coro):
        try:
            await coro
        except Exception as error:  # a cancellation is a BaseException: it goes on through
            self._on_error(error)

    def spawn(self, coro):
        if not self._accepting:
            coro.close()
            raise RuntimeError("no new tasks after aclose()")
        task = asyncio.create_task(self._guarded(coro))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def __len__(self):
        return len([task for task in self._tasks if not task.done()])

    async def aclose(self, timeout):
        self._accepting = False
        if not self._tasks:
            return
        everything = asyncio.gather(*self._tasks, return_exceptions=True)
        try:
            await asyncio.wait_for(everything, timeout)
        except TimeoutError:
            pass  # wait_for has cancelled the gather, which cancelled the tasks and waited for them
