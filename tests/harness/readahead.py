"""Async iterables the judge lends whose reads take their own time: `async for item in source` in the learner's code
reads from the judge, which sees every read start and end, how far reads run ahead of the work done on the items
(pipeline's backpressure), and when the source is closed; and keys that can be read once (OneShot). Sources whose
every read the check releases by hand, for exact interleavings, are sources.FakeSource (merge).

In the sandbox the source is a stand-in whose `__aiter__`, `__anext__` and `aclose` are calls of the judge's
(sandbox.Sandbox._export, agent._object_stand_in): each read runs on the check's loop and clock, like a fake's call.
"""

import asyncio
from collections.abc import Iterable
from typing import Any

from .fakes import CANCEL_TAKES, FakeCall, FakeFetch
from .sandbox import RemoteCall, current_invocation, current_sandbox
from .timing import real_perf_counter, real_sleep


class ReadAheadSource:
    """`ReadAheadSource(items)`: an async iterator (its own `aiter()`) that behaves as an async generator does. Each
    read (`__anext__`) takes `delay` (`delays` by item index), counted in turns of the sandbox's loop when `ticks`,
    then hands out the next item; at the end, or once closed, it raises StopAsyncIteration. `error_at` (an index):
    that read raises `error` instead, and the source is over. A read while another is under way raises
    RuntimeError, and so does `aclose()` then, as an async generator's would. `closable=False`: no `aclose` at all.

    Instruments: `reads` (a FakeCall per read, its key the index of the item it was to hand out; "cancelled" also
    when the learner's read was cancelled as its item crossed, so the learner's code never got it), `taken` (items
    handed out), `taken_at` (when each was, judge's clock), `closes` (aclose calls: FakeCalls), and, given
    `finished_by` (the fake that works on the items), `backlog` (the most items taken and not yet finished by that
    fake, counted on the judge when an item is handed out: never more than the learner's code holds).
    """

    def __init__(
        self,
        items: Iterable[Any],
        *,
        delay: float = 0,
        delays: dict[int, float] | None = None,
        ticks: bool = True,
        error_at: int | None = None,
        error: BaseException | None = None,
        closable: bool = True,
        finished_by: FakeFetch | None = None,
    ) -> None:
        self.items = list(items)
        self.delay = delay
        self.delays = dict(delays or {})
        self.ticks = ticks
        self.error_at = error_at
        self.error = error
        self.finished_by = finished_by
        self.lent_methods = ("__aiter__", "__anext__", *(("aclose",) if closable else ()))
        self.reads: list[FakeCall] = []
        self.closes: list[FakeCall] = []
        self.taken_at: list[float] = []
        self.backlog = 0
        self.close_takes = 0.0  # watch() sets CANCEL_TAKES
        self._reading = False
        self._over = False
        self._at_end: dict | None = None

    def __repr__(self) -> str:
        return f"<source of {len(self.items)} items>"

    @property
    def taken(self) -> int:
        return len(self.taken_at)

    @property
    def closed(self) -> bool:
        """aclose() was called and ran to its end."""
        return any(close.outcome == "returned" for close in self.closes)

    def __aiter__(self) -> "ReadAheadSource":
        return self

    async def __anext__(self) -> Any:
        index = self.taken
        call = FakeCall(index, real_perf_counter())
        self.reads.append(call)
        invocation = current_invocation()
        if invocation is not None:  # the learner's read was cancelled as the item crossed: it never got it
            invocation.on_late_cancel = lambda: setattr(call, "outcome", "cancelled")
        try:
            if self._reading:
                call.outcome = "raised"
                raise RuntimeError("anext(): asynchronous generator is already running")
            if self._over or self.closes:
                call.outcome = "returned"
                raise StopAsyncIteration
            self._reading = True
            try:
                await self._wait(self.delays.get(index, self.delay))
            finally:
                self._reading = False
            if index == self.error_at:
                self._over = True
                call.outcome = "raised"
                raise self.error
            if index >= len(self.items):
                self._over = True
                call.outcome = "returned"
                raise StopAsyncIteration
            call.outcome = "returned"
            self.taken_at.append(real_perf_counter())
            if self.finished_by is not None:
                finished = sum(1 for each in self.finished_by.calls if each.ended is not None)
                self.backlog = max(self.backlog, self.taken - finished)
            return self.items[index]
        except asyncio.CancelledError:
            call.cancel_arrived = real_perf_counter()
            call.outcome = "cancelled"
            raise
        finally:
            call.ended = real_perf_counter()

    async def aclose(self) -> None:
        call = FakeCall("aclose", real_perf_counter())
        self.closes.append(call)
        try:
            if self._reading:
                call.outcome = "raised"
                raise RuntimeError("aclose(): asynchronous generator is already running")
            self._over = True
            await real_sleep(self.close_takes)
            call.outcome = "returned"
        except asyncio.CancelledError:
            call.outcome = "cancelled"
            raise
        finally:
            call.ended = real_perf_counter()

    async def _wait(self, delay: float) -> None:
        if not delay:
            return
        if self.ticks:
            await current_sandbox().turns(int(delay))
        else:
            await real_sleep(delay)

    def watch(self, call: RemoteCall) -> RemoteCall:
        """How the source stood when the judge learned that the learner's function ended (as fakes.AtEnd does):
        `closed_at_end`, `reading_at_end`. Its aclose() then takes CANCEL_TAKES, as a cleanup does, so that code
        that does not await it is seen."""
        self.close_takes = CANCEL_TAKES
        call.on_end.append(self._snapshot)
        return call

    def _snapshot(self) -> None:
        self._at_end = {"closed": self.closed, "reading": self._reading}

    @property
    def closed_at_end(self) -> bool:
        return bool(self._at_end and self._at_end["closed"])

    @property
    def reading_at_end(self) -> bool:
        return bool(self._at_end and self._at_end["reading"])


class OneShot:
    """`OneShot(items)`: a plain iterator the judge lends, read once as a generator is: `iter()` gives the same
    iterator, and once exhausted it stays so; it has no `len()`. Each `next()` is a call of the judge's, made from
    the sandbox's loop's thread while it waits for the answer (reading a generator does not give the loop a turn
    either). Instruments: `handed` (items handed out), `exhausted_reads` (reads after the end)."""

    lent_methods = ("__iter__", "__next__")

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = list(items)
        self.handed = 0
        self.exhausted_reads = 0

    def __repr__(self) -> str:
        return "<generator object keys>"

    def __iter__(self) -> "OneShot":
        return self

    def __next__(self) -> Any:
        if self.handed >= len(self.items):
            self.exhausted_reads += 1
            raise StopIteration
        self.handed += 1
        return self.items[self.handed - 1]
