"""The source's balance is never checked: a transfer larger than the balance writes a negative one."""

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
            target = await self._store.read(dst)
            writing = asyncio.ensure_future(self._write(src, balance - amount, dst, target + amount))
            cancelled = False
            while not writing.done():
                try:
                    await asyncio.shield(writing)
                except asyncio.CancelledError:
                    cancelled = True  # the writes go on; this transfer ends cancelled once they are done
            writing.result()  # a store error propagates
            if cancelled:
                raise asyncio.CancelledError

    async def _write(self, src, src_balance: int, dst, dst_balance: int) -> None:
        await self._store.write(src, src_balance)
        await self._store.write(dst, dst_balance)
