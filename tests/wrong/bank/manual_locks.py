"""Locks taken in order and released by hand after the writes, without try/finally: a store error leaves both
accounts locked for ever."""

import asyncio
from collections import defaultdict

CAUGHT_IN = "exceptions"


class Bank:
    def __init__(self, store):
        self.store = store
        self.locks = defaultdict(asyncio.Lock)

    async def transfer(self, src, dst, amount):
        if amount <= 0 or src == dst:
            raise ValueError("invalid transfer")
        first, second = sorted([src, dst])
        await self.locks[first].acquire()
        await self.locks[second].acquire()
        balance = await self.store.read(src)
        if balance < amount:
            self.locks[second].release()
            self.locks[first].release()
            raise ValueError("insufficient funds")
        target = await self.store.read(dst)
        writing = asyncio.ensure_future(self._write(src, balance - amount, dst, target + amount))
        try:
            await asyncio.shield(writing)
        except asyncio.CancelledError:
            await writing
            raise
        self.locks[second].release()
        self.locks[first].release()

    async def _write(self, src, src_balance, dst, dst_balance):
        await self.store.write(src, src_balance)
        await self.store.write(dst, dst_balance)
