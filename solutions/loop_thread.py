"""Kata: an event loop in a thread of its own, for sync code.

Some programs cannot be async from top to bottom: a web framework that calls plain functions, a GUI's callbacks,
a library with a synchronous API over an async client. `asyncio.run` in each of them would make a new loop for
every call, and nothing could live from one call to the next (a connection pool, a background task). The answer
is one event loop that runs for the program's whole life in a thread of its own, and a small bridge that hands it
coroutines from any other thread.

asyncio has the pieces: `asyncio.run_coroutine_threadsafe(coro, loop)` schedules a coroutine on a loop running in
another thread and returns a `concurrent.futures.Future`, which the calling thread can wait on (`future.result()`)
and cancel (cancelling it cancels the task on the loop). `loop.call_soon_threadsafe(fn)` is the one safe way to
poke a loop from another thread. What is left to you is the life cycle: start the thread and wait until its loop
really runs; on close, cancel what still runs there and wait for it, shut down the loop's async generators and its
default executor, stop the loop, join the thread and close the loop. And timeouts: a coroutine that timed out is
cancelled on the loop, and its cleanup runs there, in the loop's thread: the caller must wait for it to end.
"""

import asyncio
import threading


class LoopThread:
    """An event loop running in a thread of its own, to which sync code hands coroutines.

    Contract:
    - `LoopThread()` makes it; nothing runs yet. `start()` starts a new event loop in a new thread and returns
      only once that loop is running. `with LoopThread() as runner:` does the same: `__enter__` starts it and
      returns the LoopThread itself; the end of the `with` block closes it (as `close()`).
    - `submit(coro)`, from any thread: schedules the coroutine on the loop and returns a
      `concurrent.futures.Future` for its outcome at once. Cancelling that future cancels the coroutine on the
      loop.
    - `call(coro, timeout=None)`, from any thread but the loop's own: runs the coroutine on the loop, blocks the
      calling thread until it has finished, then returns its result or raises its exception (an exception that
      crossed threads may be an equal copy). Several threads may call at once: their coroutines run at the same
      time on the one loop.
    - When `timeout` seconds pass first (`timeout <= 0`: at once, and the coroutine may not even start), the
      coroutine is cancelled once, on the loop; `call` waits until it has ended, its cleanup included, then raises
      `TimeoutError`. If it had already finished when the timeout is acted on, `call` returns that outcome.
    - `call` from the loop's own thread, and `submit` or `call` after `close()`: close the coroutine they were
      given (so nothing warns "never awaited") and raise `RuntimeError`.
    - `close()`: cancels the tasks still running on the loop and waits until they have ended; runs the loop's
      `shutdown_asyncgens()` and `shutdown_default_executor()` (no thread the loop started outlives it); stops
      and closes the loop and joins the thread. Calling it twice, or before `start()`, is harmless.

    Example:
        with LoopThread() as runner:
            page = runner.call(fetch("https://example.com"), timeout=5)  # from plain, synchronous code
            future = runner.submit(refresh_cache())  # runs in the background
            ...
            future.result()

    Worth reading: asyncio.run_coroutine_threadsafe and concurrency with threads
    (https://docs.python.org/3/library/asyncio-task.html#scheduling-from-other-threads and
    https://docs.python.org/3/library/asyncio-dev.html#concurrency-and-multithreading), loop.run_forever,
    loop.call_soon_threadsafe, loop.shutdown_asyncgens and loop.shutdown_default_executor
    (https://docs.python.org/3/library/asyncio-eventloop.html), and asyncio.Runner
    (https://docs.python.org/3/library/asyncio-runner.html#asyncio.Runner).
    """

    def __init__(self):
        self._loop = None
        self._thread = None
        self._closed = False
        self._lock = threading.Lock()

    def start(self):
        """Start the loop in a new thread; return once it is running."""
        with self._lock:
            if self._closed or self._loop is not None:
                raise RuntimeError("a LoopThread starts once")
            self._loop = asyncio.new_event_loop()
            running = threading.Event()
            self._thread = threading.Thread(target=self._run, args=(running,), name="LoopThread", daemon=True)
            self._thread.start()
        running.wait()
        return self

    def _run(self, running):
        asyncio.set_event_loop(self._loop)
        self._loop.call_soon(running.set)  # called once the loop runs
        self._loop.run_forever()

    def __enter__(self):
        """Start, and return this LoopThread."""
        return self.start()

    def __exit__(self, *exc_info):
        """Close."""
        self.close()

    def submit(self, coro):
        """Schedule `coro` on the loop; return a concurrent.futures.Future for its outcome."""
        with self._lock:
            if self._closed or self._loop is None:
                coro.close()
                raise RuntimeError("the LoopThread is not running")
            return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def call(self, coro, timeout=None):
        """Run `coro` on the loop, wait for it (at most `timeout` seconds), return its result or raise."""
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("call() from the loop's own thread would wait for ever: await the coroutine there")

        async def bounded():
            # The timeout acts on the loop: the cancelled coroutine's cleanup is over when this ends.
            async with asyncio.timeout(timeout):
                return await coro

        try:
            future = self.submit(bounded())
        except RuntimeError:
            coro.close()  # bounded() was closed before it could await it
            raise
        return future.result()

    def close(self):
        """Cancel what still runs, shut the loop down, join its thread. Harmless twice or before start."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    async def _shutdown(self):
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._loop.shutdown_asyncgens()
        await self._loop.shutdown_default_executor()
