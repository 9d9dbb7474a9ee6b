"""Callers tracked as a set of their own tasks; the shared call is shielded, and awaited with a timeout-free wait."""

import asyncio


class SingleFlight:
    def __init__(self):
        self.inflight = {}  # key -> (task, set of caller tasks)

    async def get(self, key, load):
        me = asyncio.current_task()
        if key not in self.inflight:
            self.inflight[key] = (asyncio.ensure_future(load(key)), set())
        task, callers = self.inflight[key]
        callers.add(me)
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            callers.discard(me)
            if not callers and not task.done():
                self.inflight.pop(key, None)
                task.cancel()
                await asyncio.wait({task})
            raise
        finally:
            callers.discard(me)
            if task.done() and self.inflight.get(key, (None,))[0] is task:
                del self.inflight[key]
