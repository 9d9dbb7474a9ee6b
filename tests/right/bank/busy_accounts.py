"""A Condition over the set of busy accounts: a transfer waits until both its accounts are free and takes them
together (no order needed: it never holds one while waiting for the other); the writes run in a task it waits
for whatever happens, re-raising a cancellation afterwards."""

import asyncio


class Bank:
    def __init__(self, store):
        self.store = store
        self.busy = set()
        self.changed = asyncio.Condition()

    async def transfer(self, src, dst, amount):
        if amount <= 0:
            raise ValueError("amount must be positive")
        if src == dst:
            raise ValueError("same account")
        async with self.changed:
            await self.changed.wait_for(lambda: src not in self.busy and dst not in self.busy)
            self.busy |= {src, dst}
        try:
            await self._move(src, dst, amount)
        finally:
            async with self.changed:
                self.busy -= {src, dst}
                self.changed.notify_all()

    async def _move(self, src, dst, amount):
        have, other = await asyncio.gather(self.store.read(src), self.store.read(dst))
        if have < amount:
            raise ValueError("insufficient funds")
        task = asyncio.ensure_future(
            asyncio.gather(self.store.write(src, have - amount), self.store.write(dst, other + amount))
        )
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            while not task.done():
                try:
                    await asyncio.shield(task)
                except asyncio.CancelledError:
                    pass
            task.result()
            raise
