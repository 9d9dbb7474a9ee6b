"""Kata: transfers that neither lose money nor deadlock.

asyncio runs one task at a time, so it is tempting to think it needs no locks. But a task can be interrupted at
every `await`: read a balance, `await` something, write the new balance, and another transfer may have read the
same balance meanwhile. One of the two writes then wins and the other's update is lost: money appears or
vanishes. Whenever state is read before an `await` and written after it, the read-modify-write must be guarded.

A single lock for the whole bank would do it, but then every transfer waits for every other, even those that
share no account. A lock per account lets unrelated transfers run at once, and brings back a classic problem:
transfers from a to b and from b to a, each holding one lock and waiting for the other's, wait for ever. Taking
the locks always in the same order (sort the accounts) makes that impossible.

Last, a transfer can be cancelled. Before it writes anything, stopping is harmless. Once it has written one
balance, stopping halfway would leave money missing: the writes must finish (shielded from the cancellation),
and only then may the transfer end cancelled.
"""

import asyncio
from collections import defaultdict


class Bank:
    """Transfers between accounts of a store, safe when many run at once.

    Contract:
    - `Bank(store)`: `store` has `async read(account) -> int` and `async write(account, balance)`, each taking a
      while. Accounts are hashable and can be ordered against each other (`sorted` works on them). Whatever the
      store raises propagates unchanged.
    - `await bank.transfer(src, dst, amount)` returns None, having moved `amount` from `src` to `dst`: `src`'s
      balance goes down by `amount` and `dst`'s up by it, so the total of all balances is kept.
    - `amount <= 0` or `src == dst`: ValueError, before any store call. `src` has less than `amount`: ValueError,
      and nothing written (no balance ever goes below zero).
    - Transfers running at the same time never lose an update, and never deadlock (a transfer from a to b and
      one from b to a at once both complete). A transfer whose accounts no other transfer holds or waits for
      starts at once: unrelated transfers run at the same time (one lock for the whole bank is too coarse).
    - Cancelled before its first write, a transfer changes nothing and ends cancelled. Once writing has begun,
      both writes complete, then it ends cancelled.

    Example:
        bank = Bank(store)                 # balances: a 100, b 50, c 0
        await asyncio.gather(
            bank.transfer("a", "b", 30),
            bank.transfer("b", "a", 20),   # no deadlock
            bank.transfer("a", "c", 10),   # no update lost
        )                                  # a 80, b 60, c 10: still 150 in all

    Worth reading: asyncio.Lock (https://docs.python.org/3/library/asyncio-sync.html#asyncio.Lock), asyncio.shield
    (https://docs.python.org/3/library/asyncio-task.html#shielding-from-cancellation), and lock ordering against
    deadlock (https://en.wikipedia.org/wiki/Dining_philosophers_problem#Resource_hierarchy_solution).
    """

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
