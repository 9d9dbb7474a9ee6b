"""No run_coroutine_threadsafe for call: the task is made on the loop by call_soon_threadsafe and copied into a
concurrent Future when done; on timeout the task is cancelled there and call waits for that Future again."""

import asyncio
import concurrent.futures
import threading


class LoopThread:
    def __init__(self):
        self._loop = None
        self._thread = None
        self._closed = False

    def start(self):
        self._loop = asyncio.new_event_loop()
        running = threading.Event()
        self._loop.call_soon(running.set)
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        running.wait()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.close()

    def _refuse(self, coro):
        if self._closed or self._loop is None:
            coro.close()
            raise RuntimeError("the loop is not running")
        if threading.get_ident() == self._thread.ident:
            coro.close()
            raise RuntimeError("called from the loop's own thread")

    def submit(self, coro):
        if self._closed or self._loop is None:
            coro.close()
            raise RuntimeError("the loop is not running")
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def call(self, coro, timeout=None):
        self._refuse(coro)
        outcome = concurrent.futures.Future()
        tasks = []

        def copy(task):
            if task.cancelled():
                outcome.cancel()
            elif task.exception() is not None:
                outcome.set_exception(task.exception())
            else:
                outcome.set_result(task.result())

        def begin():
            task = self._loop.create_task(coro)
            tasks.append(task)
            task.add_done_callback(copy)

        self._loop.call_soon_threadsafe(begin)
        try:
            return outcome.result(timeout=None if timeout is None else max(timeout, 0))
        except TimeoutError:
            if outcome.done():  # finished meanwhile (or raised TimeoutError itself): that outcome stands
                return outcome.result()
        self._loop.call_soon_threadsafe(lambda: tasks[0].cancel())  # after begin: callbacks run in order
        try:
            return outcome.result()  # done once the task has ended, its cleanup included
        except concurrent.futures.CancelledError:
            raise TimeoutError(f"no result within {timeout} s") from None

    def close(self):
        if self._closed:
            return
        self._closed = True
        if self._loop is None:
            return

        async def shut_down():
            others = asyncio.all_tasks() - {asyncio.current_task()}
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)
            await self._loop.shutdown_asyncgens()
            await self._loop.shutdown_default_executor()

        asyncio.run_coroutine_threadsafe(shut_down(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()
