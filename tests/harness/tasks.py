"""Instruments for katas about tasks and event loops: calls that must all be running at once before they go on, a
task started on the event loop of the learner's code that called a judge's async function, and the sandbox's word
on event loops left open.
"""

from typing import Any

from .fakes import FakeFetch
from .sandbox import current_invocation, current_sandbox
from .timing import units, until


class Rendezvous(FakeFetch):
    """A FakeFetch whose calls first wait, up to `patience` seconds, until `count` calls have been running at
    once, and only then take their delay.

    Started together, the batch takes about `delay`. Run one after another, every call waits out its patience
    first, so a stopwatch tells the two apart by a wide margin even when `count` is 2 (where plain delays give
    at most 2x). `met` (exact: the peak counter) says whether they all ran at once.
    """

    ticks_counted_there = False  # its own _wait decides when a call ends

    def __init__(self, count: int, *, patience: float = units(5), **options: Any) -> None:
        super().__init__(**options)
        self.count = count
        self.patience = patience

    @property
    def met(self) -> bool:
        return self.peak >= self.count

    async def _wait(self, delay: float) -> None:
        await until(lambda: self.met, self.patience)
        await super()._wait(delay)


async def start_task_in_caller(fake: FakeFetch, key: Any, patience: float = units(5)) -> bool:
    """Inside the body of a judge's async function that the learner's code awaited on an event loop of its own
    (the sandbox's stand-in reaches the judge over a connection of that loop's): start a task on that loop, as
    the body of an async function may, whose work is `await fake(key)`; return once that call has begun (True),
    or after `patience` if it never does (False).

    The task is the learner's loop's own: only that loop's owner can cancel it, and the judge sees how it stood
    in `fake.calls` (a cancellation arrives as the call's "cancelled")."""
    invocation = current_invocation()
    if invocation is None or invocation.channel is invocation.channel.sandbox.main:
        raise RuntimeError("start_task_in_caller works in a judge's function called from a learner's own loop")
    codec = invocation.channel.sandbox.codec
    before = len(fake.calls)
    invocation.channel.send(
        {"op": "spawn", "id": invocation.number, "call": codec.encode(fake), "args": codec.encode([key])}
    )
    return await until(lambda: len(fake.calls) > before, patience)  # the task reaches the judge a moment later


async def open_loops() -> int:
    """Event loops, other than the sandbox's own, left open in the sandbox: alive and not closed, or collected
    while open (a probe of the sandbox's: it can only fail a check)."""
    return (await current_sandbox().probe("open_loops"))["open"]
