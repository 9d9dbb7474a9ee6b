"""Reference solution: background tasks that are kept, watched and closed."""

import asyncio


class BackgroundTasks:
    """Run coroutines as background tasks, report their failures, and close them down.

    Contract:
    - `BackgroundTasks(on_error)`: `on_error` is a plain function, called in the loop's thread.
    - `spawn(coro)` (a plain method, called while the loop runs) starts the coroutine as a task at once and
      returns the task; it keeps a strong reference to the task until the task ends. What awaiting the returned
      task gives is not part of the contract.
    - Every exception a spawned task raises (not its cancellation), including one raised while `aclose` cancels
      it, is passed to `on_error(exception)` exactly once, when the task ends; none is left unretrieved.
    - `len(tasks)` is the number of spawned tasks not yet done.
    - `async aclose(timeout)`: from the moment it is called, `spawn` raises `RuntimeError` (and closes the
      coroutine it was given, so that nothing warns "never awaited"). It waits up to `timeout` seconds for the
      running tasks to end (returning as soon as they have), then cancels those left and waits until they have
      ended. If the caller of `aclose` is cancelled, the remaining tasks are cancelled and awaited, then it ends
      cancelled.

    Example:
        tasks = BackgroundTasks(on_error=lambda error: print("background task failed:", error))
        tasks.spawn(send_welcome_email(user))
        tasks.spawn(refresh_cache())
        ...
        await tasks.aclose(timeout=5)  # up to 5 s to finish, then the rest are cancelled

    Worth reading: asyncio.create_task and its note on keeping references
    (https://docs.python.org/3/library/asyncio-task.html#asyncio.create_task), Task.add_done_callback
    (https://docs.python.org/3/library/asyncio-future.html#asyncio.Future.add_done_callback), and asyncio.wait
    with a timeout (https://docs.python.org/3/library/asyncio-task.html#asyncio.wait).
    """

    def __init__(self, on_error):
        self._on_error = on_error
        self._tasks = set()  # strong references: the loop keeps only weak ones
        self._closed = False

    def spawn(self, coro):
        """Start `coro` as a task, keep it until it ends, and return it."""
        if self._closed:
            coro.close()  # never to run: closed, it does not warn "never awaited"
            raise RuntimeError("BackgroundTasks is closed")
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._ended)
        return task

    def _ended(self, task):
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:  # exception() also marks it retrieved
            self._on_error(task.exception())

    def __len__(self):
        """The number of spawned tasks not yet done."""
        return sum(not task.done() for task in self._tasks)

    async def aclose(self, timeout):
        """Refuse new tasks; wait up to `timeout` seconds for the running ones, then cancel the rest and wait."""
        self._closed = True
        running = set(self._tasks)
        try:
            if running:
                await asyncio.wait(running, timeout=timeout)  # never cancels what it waits for
        finally:  # after the grace period, and also when the caller of aclose is cancelled
            for task in running:
                task.cancel()
            if running:
                await asyncio.wait(running)
