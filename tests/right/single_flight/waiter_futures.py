"""Each caller waits on a future of its own; the load's task hands its outcome to every waiter's future."""

import asyncio


class _Call:
    def __init__(self):
        self.task = None
        self.waiters = []


class SingleFlight:
    def __init__(self):
        self._calls = {}

    def _deliver(self, key, call, task):
        if self._calls.get(key) is call:
            del self._calls[key]
        for waiter in call.waiters:
            if waiter.done():
                continue
            if task.cancelled():
                waiter.cancel()
            elif task.exception() is not None:
                waiter.set_exception(task.exception())
            else:
                waiter.set_result(task.result())

    async def get(self, key, load):
        call = self._calls.get(key)
        if call is None:
            call = self._calls[key] = _Call()
            call.task = asyncio.ensure_future(load(key))
            call.task.add_done_callback(lambda task: self._deliver(key, call, task))
        waiter = asyncio.get_running_loop().create_future()
        call.waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            call.waiters.remove(waiter)
            if not call.waiters and not call.task.done():
                if self._calls.get(key) is call:
                    del self._calls[key]
                call.task.cancel()
                try:
                    await call.task
                except asyncio.CancelledError:
                    pass
            raise
