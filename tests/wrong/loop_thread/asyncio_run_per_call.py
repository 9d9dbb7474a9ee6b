"""No loop of its own: call() runs each coroutine with asyncio.run in the calling thread and submit() in a worker
thread, so nothing a coroutine leaves running outlives it."""

import asyncio
import concurrent.futures

CAUGHT_IN = "correctness"


class LoopThread:
    def __init__(self):
        self.pool = None
        self.closed = False

    def start(self):
        self.pool = concurrent.futures.ThreadPoolExecutor()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.close()

    def _run(self, coro, timeout=None):
        async def bounded():
            async with asyncio.timeout(timeout):
                return await coro

        return asyncio.run(bounded())

    def submit(self, coro):
        if self.closed or self.pool is None:
            coro.close()
            raise RuntimeError("not running")
        return self.pool.submit(self._run, coro)

    def call(self, coro, timeout=None):
        if self.closed or self.pool is None:
            coro.close()
            raise RuntimeError("not running")
        return self._run(coro, timeout)

    def close(self):
        if self.closed:
            return
        self.closed = True
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
