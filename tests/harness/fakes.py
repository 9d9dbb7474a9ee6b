"""Instrumented fakes: the dependencies a kata's function is given, recording everything done to them."""

import asyncio
import math
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from .checks import expect
from .timing import real_perf_counter, real_sleep, seconds, units


@dataclass
class FakeCall:
    """One call of a fake: its argument, when it started and ended, and how it ended."""

    key: Any
    started: float
    ended: float | None = None
    outcome: str = "running"  # then "returned", "raised" or "cancelled"


def default_result(key: Hashable) -> tuple:
    return ("value", key)


class FakeFetch:
    """`await fake(key)`: waits, then returns `results(key)` or raises `errors[key]`.

    delay: how long a call takes; `delays` overrides it per key; math.inf never finishes by itself.
    ticks: count delays in event-loop iterations (asyncio.sleep(0)) instead of seconds, so completion
           orders are exact and cost no real time (what hypothesis examples want).
    errors: key -> the exception object to raise once the delay has passed.

    Instruments: `calls` (every FakeCall, in start order), `in_flight` and `peak` (most calls running at once,
    exact whatever the clock does), `cancelled` (calls that received CancelledError).
    """

    def __init__(
        self,
        *,
        delay: float = units(1),
        delays: Mapping[Hashable, float] | None = None,
        ticks: bool = False,
        results: Callable[[Hashable], Any] = default_result,
        errors: Mapping[Hashable, BaseException] | None = None,
    ) -> None:
        self.delay = delay
        self.delays = dict(delays or {})
        self.ticks = ticks
        self.results = results
        self.errors = dict(errors or {})
        self.calls: list[FakeCall] = []
        self.in_flight = 0
        self.peak = 0

    async def __call__(self, key: Hashable) -> Any:
        call = FakeCall(key, real_perf_counter())
        self.calls.append(call)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await self._wait(self.delays.get(key, self.delay))
            if key in self.errors:
                call.outcome = "raised"
                raise self.errors[key]
            call.outcome = "returned"
            return self.results(key)
        except asyncio.CancelledError:
            call.outcome = "cancelled"
            raise
        finally:
            self.in_flight -= 1
            call.ended = real_perf_counter()

    async def _wait(self, delay: float) -> None:
        if math.isinf(delay):
            await asyncio.get_running_loop().create_future()
        elif self.ticks:
            for _ in range(int(delay)):
                await real_sleep(0)
        else:
            await real_sleep(delay)

    def caller(self, key: Hashable) -> Callable[[], Awaitable[Any]]:
        """An async function of no arguments that calls this fake with `key`, for katas that take such
        functions (`first`, `second`, `coro_fns`)."""

        async def call() -> Any:
            return await self(key)

        call.__qualname__ = call.__name__ = f"fetch_{key}"
        return call

    @property
    def keys(self) -> list:
        return [call.key for call in self.calls]

    @property
    def cancelled(self) -> list[FakeCall]:
        return [call for call in self.calls if call.outcome == "cancelled"]

    @property
    def running(self) -> list[FakeCall]:
        return [call for call in self.calls if call.outcome == "running"]

    def expect_all_at_once(self, count: int, elapsed: float, bound: float) -> None:
        """The peak counter is exact; the wall-clock bound backs it (an all-at-once start that then blocks)."""
        at_once = self.peak >= count
        expect(
            at_once and elapsed <= bound,
            saw=f"{count} calls of {seconds(self.delay)} each took {seconds(elapsed)} in all, "
            f"and at most {self.peak} ran at a time",
            expected=f"all {count} running at once, done in under {seconds(bound)}",
            mistake="they ran one after another: start them all before awaiting any "
            "(asyncio.gather, or create_task for each and then await them)"
            if not at_once
            else "they all started, but something blocked the event loop (time.sleep or heavy work in a coroutine?)",
        )
