"""Kata: background tasks that are kept, watched and closed.

`asyncio.create_task(coro)` is fire-and-forget only in appearance. The event loop keeps nothing but a weak
reference to a task: one that nobody else holds can be garbage collected in the middle of its work. An exception
it raises goes nowhere until the task is collected, when the loop logs "Task exception was never retrieved",
long after the fact. And at shutdown, something has to decide how long to let the tasks finish, and cancel the
rest.

A small supervisor does all three: it holds every task it starts until the task ends, hands each task's failure
to an error handler the moment it ends, and on close gives the running tasks a grace period, then cancels what
is left and waits until it has ended. `task.add_done_callback(fn)` calls `fn(task)` in the loop's thread when a
task ends, however it ends.
"""


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
        raise NotImplementedError

    def spawn(self, coro):
        """Start `coro` as a task, keep it until it ends, and return it."""
        raise NotImplementedError

    def __len__(self):
        """The number of spawned tasks not yet done."""
        raise NotImplementedError

    async def aclose(self, timeout):
        """Refuse new tasks; wait up to `timeout` seconds for the running ones, then cancel the rest and wait."""
        raise NotImplementedError
