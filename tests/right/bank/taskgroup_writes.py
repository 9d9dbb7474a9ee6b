"""Locks ordered with min and max, the two reads at once with gather, and the writes in a TaskGroup inside a
task that is shielded and waited for until done, counting the cancellations that came meanwhile."""

import asyncio
from collections import defaultdict


class Bank:
    def __init__(self, store):
        self.store = store
        self.locks = defaultdict(asyncio.Lock)

    async def transfer(self, src, dst, amount):
        if amount <= 0 or src == dst:
            raise ValueError("invalid transfer")
        async with self.locks[min(src, dst)]:
            async with self.locks[max(src, dst)]:
                have, other = await asyncio.gather(self.store.read(src), self.store.read(dst))
                if have < amount:
                    raise ValueError("not enough money")
                writing = asyncio.create_task(self._write(src, have - amount, dst, other + amount))
                interrupted = 0
                while True:
                    try:
                        await asyncio.shield(writing)
                        break
                    except Exception:  # the writes failed: their error is raised below
                        break
                    except asyncio.CancelledError:
                        if writing.done():
                            break
                        interrupted += 1
                if writing.exception() is not None:
                    raise writing.exception().exceptions[0]  # the TaskGroup's group: the store's own error
                if interrupted or asyncio.current_task().cancelling():
                    raise asyncio.CancelledError()

    async def _write(self, src, src_balance, dst, dst_balance):
        async with asyncio.TaskGroup() as group:
            group.create_task(self.store.write(src, src_balance))
            group.create_task(self.store.write(dst, dst_balance))
