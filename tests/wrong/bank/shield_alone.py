"""The writes are shielded, but the transfer ends cancelled at once: the writes go on alone, after it has ended and
released its locks."""

import asyncio
from collections import defaultdict

CAUGHT_IN = "exceptions"


class Bank:
    def __init__(self, store) -> None:
        self._store = store
        self._locks: defaultdict = defaultdict(asyncio.Lock)  # one per account, made when first needed

    async def transfer(self, src, dst, amount: int) -> None:
        """Move `amount` from `src` to `dst` (see the class's contract)."""
        if amount <= 0 or src == dst:
            raise ValueError(f"cannot move {amount!r} from {src!r} to {dst!r}")
        first, second = sorted([src, dst])  # every transfer locks in the same order: no deadlock
        async with self._locks[first], self._locks[second]:
            balance = await self._store.read(src)
            if balance < amount:
                raise ValueError(f"{src!r} has {balance}, less than {amount}")
            target = await self._store.read(dst)
            await asyncio.shield(self._write(src, balance - amount, dst, target + amount))

    async def _write(self, src, src_balance: int, dst, dst_balance: int) -> None:
        await self._store.write(src, src_balance)
        await self._store.write(dst, dst_balance)
