"""Instrumented fakes: the dependencies a kata's function is given, recording everything done to them."""

import asyncio
import math
from collections import Counter
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from .checks import expect
from .sandbox import RemoteCall, current_invocation, current_sandbox
from .timing import real_perf_counter, real_sleep, seconds, units

# How long a fake's call takes to end once cancelled, when a check tells awaited from not awaited (AtEnd): code
# that waits for it waits this long; code that does not ends well before (a loop iteration or two of the
# sandbox's, well under a millisecond). Other checks have it end at once: hypothesis examples cancel many calls.
CANCEL_TAKES = 0.02


@dataclass
class FakeCall:
    """One call of a fake: its argument, when it started and ended, and how it ended."""

    key: Any
    started: float
    ended: float | None = None
    outcome: str = "running"  # then "returned", "raised" or "cancelled"
    cancel_arrived: float | None = None  # when its CancelledError came: "cancelled" only once its cleanup is over


def default_result(key: Hashable) -> tuple:
    return ("value", key)


class FakeFetch:
    """`await fake(key)`: waits, then returns `results(key)` or raises `errors[key]`.

    delay: how long a call takes; `delays` overrides it per key; math.inf never finishes by itself.
    ticks: count delays in ticks of the sandbox's tick clock (agent.TickClock) instead of seconds: turns of its
           loop from the call, counted there while no answer of the judge's is on its way, so completion orders
           are exact where the learner's code sees them, whatever the load, and cost next to no real time (what
           hypothesis examples want). A call that ends n ticks after another reaches the learner's code at least
           n turns after the other.
    errors: key -> the exception object to raise once the delay has passed.

    clock: what stamps the calls' starts and ends: real_perf_counter, or "loop" for the judge's loop's clock
           (simulated under scripted.run_in_simulated_time, where `delay`s are simulated seconds too).

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
        clock: str = "real",
    ) -> None:
        self.now = (lambda: asyncio.get_running_loop().time()) if clock == "loop" else real_perf_counter
        self.delay = delay
        self.delays = dict(delays or {})
        self.ticks = ticks
        self.results = results
        self.errors = dict(errors or {})
        self.calls: list[FakeCall] = []
        self.in_flight = 0
        self.peak = 0

    calling = "async"  # how the sandbox's stand-in for it is called: `await fetch(key)`
    cancel_takes = 0.0  # AtEnd sets CANCEL_TAKES
    # Ticks counted by the stand-in in the sandbox (_hand_over); False where a subclass's own _wait must run here.
    ticks_counted_there = True

    def __call__(self, key: Hashable) -> Awaitable[Any]:
        # The call is recorded at once, in the step the judge learns of it; its body runs as a task of its own.
        call = FakeCall(key, self.now())
        self.calls.append(call)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        invocation = current_invocation()
        delay = self.delays.get(key, self.delay)
        if self.ticks and self.ticks_counted_there and math.isfinite(delay) and self._main(invocation):
            return self._hand_over(call, key, invocation, int(delay))
        if invocation is not None:
            invocation.on_late_cancel = lambda: setattr(call, "outcome", "cancelled")
        return self._serve(call, key, delay)

    @staticmethod
    def _main(invocation) -> bool:
        """Called by the learner's code on the sandbox's own loop (not from a thread, another loop or a worker)."""
        return invocation is not None and not invocation.blocking and invocation.channel is current_sandbox().main

    async def _hand_over(self, call: FakeCall, key: Hashable, invocation, ticks: int) -> Any:
        """A delay in ticks, counted on the sandbox's tick clock (agent.TickClock) from the call: the outcome goes
        with the answer and is handed over `ticks` ticks after the call, in the exact order the delays set, at no
        round trip per tick. The call ends, here, when the sandbox says it was handed over, or cancelled
        meanwhile."""
        outcome = "raised" if key in self.errors else "returned"

        def ended(how: str) -> None:
            if call.outcome == "running":
                call.outcome, call.ended = how, self.now()
                self.in_flight -= 1

        invocation.answer["after_ticks"] = ticks
        invocation.on_handed_over = lambda: ended(outcome)
        invocation.on_late_cancel = lambda: ended("cancelled")
        if key in self.errors:
            raise self.errors[key]
        return self.results(key)

    async def _serve(self, call: FakeCall, key: Hashable, delay: float) -> Any:
        try:
            await self._wait(delay)
            if key in self.errors:
                call.outcome = "raised"
                raise self.errors[key]
            call.outcome = "returned"
            return self.results(key)
        except asyncio.CancelledError:
            call.cancel_arrived = self.now()
            # Its cleanup takes a moment, as a real call's does: code that cancels it without waiting for it
            # has ended long before, however loaded the machine.
            try:
                await real_sleep(self.cancel_takes)
            finally:
                call.outcome = "cancelled"
            raise
        finally:
            self.in_flight -= 1
            call.ended = self.now()

    async def _wait(self, delay: float) -> None:
        if math.isinf(delay):
            await asyncio.get_running_loop().create_future()
        elif self.ticks:
            await current_sandbox().turns(int(delay))
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


class AtEnd:
    """`at_end = AtEnd(fake, ...)`, then `run(at_end.watch(kata.function(...)))` (or `KataCall(...)`).

    When the judge learns that the learner's coroutine returned or raised (cancelled included), in that very
    step, it records how every call of each fake stood: "running", "returned", "raised" or "cancelled". The
    sandbox tells of the end in the step it happens, after everything the learner's code sent before it: a call
    it cancelled but did not wait for still shows as "running" (a fake's cancellation takes the judge at least
    CANCEL_TAKES to complete), and a cleanup not awaited shows as not called yet.
    """

    def __init__(self, *fakes: FakeFetch) -> None:
        self.fakes = fakes
        for fake in fakes:
            fake.cancel_takes = CANCEL_TAKES
        self.seen: dict[int, list[tuple[Hashable, str]]] | None = None  # None until the coroutine has ended

    def watch(self, call: RemoteCall) -> RemoteCall:
        call.on_end.append(self._snapshot)
        return call

    def _snapshot(self) -> None:
        self.seen = {id(fake): [(call.key, call.outcome) for call in fake.calls] for fake in self.fakes}

    def outcomes(self, fake: FakeFetch | None = None) -> list[str] | None:
        """How each call of `fake` (default: the first) stood at the end, in start order; None before the end."""
        seen = None if self.seen is None else self.seen[id(fake or self.fakes[0])]
        return None if seen is None else [outcome for _, outcome in seen]

    def outcome(self, key: Hashable, fake: FakeFetch | None = None) -> str:
        """How the call of `fake` (default: the first) with `key` stood at the end; "not called" if not started."""
        seen = (self.seen or {}).get(id(fake or self.fakes[0]), [])
        return next((outcome for call_key, outcome in seen if call_key == key), "not called")

    @property
    def running_keys(self) -> list:
        """The keys of every call, of any of the fakes, still running at the end."""
        return [key for seen in (self.seen or {}).values() for key, outcome in seen if outcome == "running"]

    def describe(self, fake: FakeFetch, name: str) -> str:
        """How the calls of `fake` stood at the end, in a learner's words: 'release had not been called yet',
        'release had been called once: still running'..."""
        outcomes = self.outcomes(fake)
        if outcomes is None:
            return "the function had not ended"
        afterwards = " (it was called only afterwards)" if len(fake.calls) > len(outcomes) else ""
        if not outcomes:
            return f"{name} had not been called yet{afterwards}"
        words = {
            "running": "still running",
            "returned": "finished",
            "raised": "finished (it raised)",
            "cancelled": "cancelled (it received CancelledError)",
        }
        states = ", ".join(words.get(outcome, outcome) for outcome in outcomes)
        times = "once" if len(outcomes) == 1 else f"{len(outcomes)} times"
        return f"{name} had been called {times}: {states}"


def describe_outcomes(calls: list[FakeCall]) -> str:
    """How a set of fake calls ended, in a learner's words: '3 cancelled, 1 still running'."""
    counts = Counter("still running" if call.outcome == "running" else call.outcome for call in calls)
    return ", ".join(f"{count} {how}" for how, count in counts.items()) or "none called"
