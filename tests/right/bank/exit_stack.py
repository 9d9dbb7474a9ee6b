"""Per-account locks taken in sorted order through an AsyncExitStack; the writes go in a task that a `finally`
waits for (asyncio.wait never cancels what it waits for) before the cancellation goes on."""

import asyncio
import contextlib


class Bank:
    def __init__(self, store):
        self._store = store
        self._locks = {}

    def _lock(self, account):
        if account not in self._locks:
            self._locks[account] = asyncio.Lock()
        return self._locks[account]

    async def transfer(self, src, dst, amount):
        if src == dst or not amount > 0:
            raise ValueError((src, dst, amount))
        async with contextlib.AsyncExitStack() as stack:
            for account in sorted((src, dst)):
                await stack.enter_async_context(self._lock(account))
            balance = await self._store.read(src)
            if balance < amount:
                raise ValueError(f"{src} lacks funds")
            incoming = await self._store.read(dst)

            async def write_both():
                await self._store.write(src, balance - amount)
                await self._store.write(dst, incoming + amount)

            writes = asyncio.ensure_future(write_both())
            try:
                await asyncio.shield(writes)
            finally:
                while not writes.done():
                    await asyncio.wait([writes])
                if not writes.cancelled():
                    writes.exception()  # seen here; raised below when nothing else is on the way
            await writes
