"""__enter__ starts the loop but returns nothing: `with LoopThread() as runner:` binds None."""

import asyncio
import threading

CAUGHT_IN = "correctness"


class LoopThread:
    def __init__(self):
        self._loop = None
        self._thread = None
        self._closed = False
        self._lock = threading.Lock()

    def start(self):
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
        self.start()

    def __exit__(self, *exc_info):
        self.close()

    def submit(self, coro):
        with self._lock:
            if self._closed or self._loop is None:
                coro.close()
                raise RuntimeError("the LoopThread is not running")
            return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def call(self, coro, timeout=None):
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
