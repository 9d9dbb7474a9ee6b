"""Instruments for cleanup and shielding: fakes that end exactly when the check says, under the names the
kata's docstring gives them. With fakes.AtEnd, "cleanup finished before the call returned" and "the call did
not end before the commit" are judged without any clock."""

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Any

from .fakes import FakeFetch

_AT_THE_GATE = -1.0  # the delay that stands for "held at the gate", for the calls of `gated` keys


class GatedFetch(FakeFetch):
    """A FakeFetch whose calls wait until the check calls `open()`, then return or raise as FakeFetch's do.

    The check decides exactly when a call ends: it can cancel the learner's task once or several times while
    the call is still running, with no race against a timer. `gated` (keys) holds only the calls of those keys
    at the gate; the others take their delays as a FakeFetch's do.
    """

    ticks_counted_there = False  # its own _wait decides when a call ends

    def __init__(self, *, gated: Iterable[Hashable] | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.gated = None if gated is None else set(gated)
        for key in self.gated or ():
            self.delays[key] = _AT_THE_GATE
        self._gate: asyncio.Event | None = None

    @property
    def gate(self) -> asyncio.Event:
        if self._gate is None:  # made on first use, inside the check's own event loop
            self._gate = asyncio.Event()
        return self._gate

    def open(self) -> None:
        """Let every call, running or to come, finish."""
        self.gate.set()

    async def _wait(self, delay: float) -> None:
        if self.gated is None or delay == _AT_THE_GATE:
            await self.gate.wait()
        else:
            await super()._wait(delay)


_NO_KEY = object()


def as_function(fake: FakeFetch, name: str, key: Any = _NO_KEY) -> Callable[..., Awaitable[Any]]:
    """`fake` as an async function called `name`, as the kata's docstring calls it: of one argument, passed on
    to the fake; or, given `key`, of no arguments, calling `fake(key)`. Messages then use the learner's names
    (a coroutine 'release' never awaited, not 'FakeFetch.__call__')."""
    if key is _NO_KEY:

        async def call(argument: Any) -> Any:
            return await fake(argument)

    else:

        async def call() -> Any:
            return await fake(key)

    call.__qualname__ = call.__name__ = name
    return call
