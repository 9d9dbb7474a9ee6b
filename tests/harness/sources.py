"""Async iterables lent to the learner's code: sources whose every read and close the judge sees.

A FakeSource crosses to the sandbox as an object with two methods, `__anext__` and `aclose` (`aiter()` gives the
object itself): each call runs its body here, on the check's loop. A read returns the source's next item once
the check releases it (`Release`), so which read completes first is the check's choice, exact on both sides;
after the last item a read raises StopAsyncIteration, or the source's error, once released too. It behaves as an
async generator does: a second read while one is pending, or aclose() while a read is pending, raises
RuntimeError ("already running"); a read after aclose() ends the iteration.

Instruments: `reads` (every FakeRead, in start order), `overlaps` (reads started while another was pending),
`cancels` (how many times reads were cancelled: a read cancelled twice has its own cleanup cut short),
`closes` (how each aclose() call went: "closing", "closed", "cut short", "refused").
"""

import asyncio
from dataclasses import dataclass
from typing import Any

from .fakes import CANCEL_TAKES
from .sandbox import current_invocation
from .timing import real_perf_counter, real_sleep

# How long a source's own cleanup takes once aclose() is called: code that does not wait for it has ended well
# before, however loaded the machine.
CLEANUP_TAKES = 0.02


@dataclass
class FakeRead:
    number: int  # which read of the source: 0, 1...
    started: float
    ended: float | None = None
    outcome: str = "running"  # then "returned", "stopped" (StopAsyncIteration), "raised", "cancelled", "refused"
    cancels: int = 0  # CancelledErrors that reached it
    requested: object = None  # its Invocation: how many cancels the sandbox sent for it

    @property
    def cancelled_times(self) -> int:
        """Cancels of this read: CancelledErrors that reached it here, or cancels sent for it (two sent in the
        same moment reach it as one, as two Task.cancel() calls in a row do)."""
        return max(self.cancels, getattr(self.requested, "cancels", 0))


class Release:
    """The check's say on when each read may complete: `release(source)` lets `source`'s next read complete (its
    next item, or its end). Reads wait for their turn however early they start."""

    def __init__(self) -> None:
        self._changed: asyncio.Condition | None = None
        self.order: list[str] = []  # the names of the sources released, in order

    @property
    def changed(self) -> asyncio.Condition:
        if self._changed is None:  # made on first use, inside the check's own event loop
            self._changed = asyncio.Condition()
        return self._changed

    async def release(self, source: "FakeSource", count: int = 1) -> None:
        async with self.changed:
            source.released += count
            self.order.extend([source.name] * count)
            self.changed.notify_all()

    def release_all(self, *sources: "FakeSource") -> None:
        """Every read of these sources may complete at once, now and from now on."""
        for source in sources:
            source.released = 1 << 30
        if self._changed is not None:
            asyncio.ensure_future(self._notify())

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()


class FakeSource:
    """`FakeSource(name, items, release)`: an async iterator of `items`; `error` is raised after them instead of
    the end. Each read completes once `release.release(source)` has been called for it."""

    lent_methods = ("__anext__", "aclose")  # the learner's code iterates and closes its stand-in

    def __init__(self, name: str, items: list, release: Release, *, error: BaseException | None = None) -> None:
        self.name = name
        self.items = list(items)
        self.error = error
        self.gate = release
        self.released = 0  # reads allowed to complete so far
        self.reads: list[FakeRead] = []
        self.overlaps = 0
        self.closes: list[str] = []
        self.finished = False  # ended (StopAsyncIteration), raised, or closed

    def __repr__(self) -> str:
        return f"<source {self.name}>"

    @property
    def pending(self) -> FakeRead | None:
        return next((read for read in self.reads if read.outcome == "running"), None)

    @property
    def cancels(self) -> int:
        return sum(read.cancelled_times for read in self.reads)

    @property
    def delivered(self) -> int:
        return sum(read.outcome == "returned" for read in self.reads)

    async def __anext__(self) -> Any:
        read = FakeRead(len(self.reads), real_perf_counter())
        invocation = read.requested = current_invocation()
        if invocation is not None:  # ended cancelled in the sandbox although its answer was on the way
            invocation.on_late_cancel = lambda: self._late_cancel(read)
        if self.pending is not None:
            self.overlaps += 1
            read.outcome = "refused"
            self.reads.append(read)
            raise RuntimeError("anext(): asynchronous generator is already running")
        self.reads.append(read)
        try:
            if self.finished:
                read.outcome = "stopped"
                raise StopAsyncIteration
            index = self.delivered
            async with self.gate.changed:
                await self.gate.changed.wait_for(lambda: self.released > read.number)
            if index < len(self.items):
                read.outcome = "returned"
                return self.items[index]
            self.finished = True
            if self.error is not None:
                read.outcome = "raised"
                raise self.error
            read.outcome = "stopped"
            raise StopAsyncIteration
        except asyncio.CancelledError:
            read.cancels += 1
            # A read's cleanup takes a moment, as a real source's does; a second cancel cuts it short.
            try:
                await real_sleep(CANCEL_TAKES)
            except asyncio.CancelledError:
                read.cancels += 1
                raise
            finally:
                read.outcome = "cancelled"
            raise
        finally:
            read.ended = real_perf_counter()

    @staticmethod
    def _late_cancel(read: FakeRead) -> None:
        read.cancels += 1
        read.outcome = "cancelled"

    async def aclose(self) -> None:
        if self.pending is not None:
            self.closes.append("refused")
            raise RuntimeError("aclose(): asynchronous generator is already running")
        if self.finished:
            self.closes.append("closed")  # closing an ended source does nothing, as for a generator
            return
        index = len(self.closes)
        self.closes.append("closing")
        self.finished = True
        try:
            await real_sleep(CLEANUP_TAKES)  # the source's own async cleanup
        except asyncio.CancelledError:
            self.closes[index] = "cut short"
            raise
        self.closes[index] = "closed"

    @property
    def closed(self) -> str:
        """How aclose() went: "not closed", or how its last call went ("closed", "closing", "cut short"...)."""
        return self.closes[-1] if self.closes else "not closed"
