"""asyncio.Runner in the thread (its close cancels what is left and shuts down async generators and the default
executor), stopped by an asyncio.Event; call's timeout is asyncio.wait_for on the loop."""

import asyncio
import threading


class LoopThread:
    def __init__(self):
        self.loop = None
        self.thread = None
        self.stop = None
        self.closed = False
        self.lock = threading.Lock()

    def start(self):
        ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait()

    def _serve(self, ready):
        async def main():
            self.loop = asyncio.get_running_loop()
            self.stop = asyncio.Event()
            ready.set()
            await self.stop.wait()

        with asyncio.Runner() as runner:
            runner.run(main())

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.close()

    def submit(self, coro):
        with self.lock:
            if self.closed or self.loop is None:
                coro.close()
                raise RuntimeError("not running")
            return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def call(self, coro, timeout=None):
        if threading.current_thread() is self.thread:
            coro.close()
            raise RuntimeError("call from the loop's own thread")
        wrapped = asyncio.wait_for(coro, timeout)
        try:
            future = self.submit(wrapped)
        except RuntimeError:
            coro.close()
            raise
        return future.result()

    def close(self):
        with self.lock:
            if self.closed:
                return
            self.closed = True
            if self.loop is None:
                return
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join()
