"""The balances are read before taking the locks, which guard only the writes: another transfer can read the
same balance meanwhile, and one update is lost."""

import asyncio
from collections import defaultdict

CAUGHT_IN = "correctness"


class Bank:
    def __init__(self, store):
        self.store = store
        self.locks = defaultdict(asyncio.Lock)

    async def transfer(self, src, dst, amount):
        if amount <= 0 or src == dst:
            raise ValueError("invalid transfer")
        balance = await self.store.read(src)
        if balance < amount:
            raise ValueError("insufficient funds")
        target = await self.store.read(dst)
        first, second = sorted([src, dst])
        async with self.locks[first], self.locks[second]:
            writing = asyncio.ensure_future(self._write(src, balance - amount, dst, target + amount))
            try:
                await asyncio.shield(writing)
            except asyncio.CancelledError:
                await writing
                raise

    async def _write(self, src, src_balance, dst, dst_balance):
        await self.store.write(src, src_balance)
        await self.store.write(dst, dst_balance)
