"""The loop is made inside its thread, which runs a main coroutine until a stop future is set and then cleans up
itself; call's timeout is asyncio.wait on the loop, then cancel and wait."""

import asyncio
import threading


class LoopThread:
    def __init__(self):
        self.loop = None
        self.thread = None
        self.stopping = None
        self.state = "new"

    def start(self):
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,))
        self.thread.start()
        ready.wait()
        self.state = "running"

    def _run(self, ready):
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._main(loop, ready))
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    async def _main(self, loop, ready):
        self.loop = loop
        self.stopping = loop.create_future()
        ready.set()
        await self.stopping

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.close()

    def submit(self, coro):
        if self.state != "running":
            coro.close()
            raise RuntimeError(f"LoopThread is {self.state}")
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def call(self, coro, timeout=None):
        if threading.current_thread() is self.thread:
            coro.close()
            raise RuntimeError("call() inside the loop's thread")

        async def bounded():
            task = asyncio.ensure_future(coro)
            try:
                done, _ = await asyncio.wait({task}, timeout=None if timeout is None else max(0, timeout))
            except asyncio.CancelledError:
                task.cancel()
                await asyncio.wait({task})
                raise
            if task in done:
                return task.result()
            task.cancel()
            await asyncio.wait({task})
            if task.cancelled():
                raise TimeoutError
            return task.result()

        if self.state != "running":
            coro.close()
            raise RuntimeError(f"LoopThread is {self.state}")
        return self.submit(bounded()).result()

    def close(self):
        if self.state != "running":
            self.state = "closed"
            return
        self.state = "closed"
        self.loop.call_soon_threadsafe(self.stopping.set_result, None)
        self.thread.join()
