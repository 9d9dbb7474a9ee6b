"""One lock for the whole bank: safe, but a transfer between two other accounts waits for every transfer before it."""

import asyncio
from collections import defaultdict

CAUGHT_IN = "concurrency"


class Bank:
    def __init__(self, store) -> None:
        self._store = store
        self._locks: defaultdict = defaultdict(asyncio.Lock)  # one per account, made when first needed

    async def transfer(self, src, dst, amount: int) -> None:
        """Move `amount` from `src` to `dst` (see the class's contract)."""
        if amount <= 0 or src == dst:
            raise ValueError(f"cannot move {amount!r} from {src!r} to {dst!r}")
        async with self._locks["the bank"]:
            balance = await self._store.read(src)
            if balance < amount:
                raise ValueError(f"{src!r} has {balance}, less than {amount}")
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
