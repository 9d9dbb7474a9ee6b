"""Scripted operations, and a simulated clock to run them on: for katas that retry, back off and time out.

`ScriptedOp(script)`: `await op()` does what the script says for that attempt (return a value or raise an
exception after a while, or hang until cancelled) and records every attempt: when it started and ended on the
event loop's clock, and how it ended.

`run_in_simulated_time(coro)`: runs the learner's coroutine, from a plain (not async) test, on an event loop of
its own whose clock stands still while anything is ready to run and, once every task waits, jumps straight to
the next timer. Sleeps, timeouts and backoffs cost no real time, and the times an instrument records are exact
whatever the machine's load: an attempt meant to start 2 s after a failure starts exactly 2 s after it, so a
backoff off by any factor is seen without a wall-clock bound. Waiting on something that can never happen
(nothing ready, no timer left) is seen at once, as `outcome.stuck`, instead of hanging the check.

The simulated clock is the loop's own (`loop.time()`, which asyncio.sleep, asyncio.timeout and wait_for all
use); time.monotonic() and time.perf_counter() still run in real time. A time.sleep in the learner's code would
block for real and move no simulated clock: it is stopped before it sleeps and the check fails, naming it.
Other blocking (a busy loop) is not seen here: check the loop's freedom on the real loop, with LoopWatch.
"""

import asyncio
import math
import selectors
import sys
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from . import checks, learner
from .checks import CheckOverrun, Outcome, _clear_tracebacks, describe_error, expect, short
from .timing import real_perf_counter, real_sleep, real_time_sleep, seconds


@dataclass(frozen=True)
class Step:
    """What one attempt of a ScriptedOp does: "return" `value` or "raise" `error` `after` seconds, or "hang"."""

    kind: str
    after: float = 0.0
    value: Any = None
    error: BaseException | None = None

    def describe(self) -> str:
        if self.kind == "hang":
            return "hangs until cancelled"
        when = f"after {seconds(self.after)}" if self.after else "at once"
        if self.kind == "raise":
            return f"raises {describe_error(self.error)} {when}"
        return f"returns {short(self.value)} {when}"


def returns(value: Any, after: float = 0.0) -> Step:
    return Step("return", after, value=value)


def raises(error: BaseException, after: float = 0.0) -> Step:
    return Step("raise", after, error=error)


def hangs() -> Step:
    return Step("hang", math.inf)


class UnscriptedAttempt(Exception):
    """Raised by an attempt past the end of the script: the check expected no more attempts."""


@dataclass
class Attempt:
    """One call of a ScriptedOp: its number (1, 2, ...), when it started and ended, how it ended."""

    number: int
    started: float
    ended: float | None = None
    outcome: str = "running"  # then "returned", "raised" or "cancelled"; or "hung", "left running" (see ScriptedOp)

    def describe(self) -> str:
        how = {"returned": "returned", "raised": "raised", "cancelled": "was cancelled"}
        if self.outcome in how:
            end = f" and {how[self.outcome]} at {seconds(self.ended)}"
        elif self.outcome == "hung":
            end = " and never ended"
        elif self.outcome == "left running":
            end = ", still running when the call had ended"
        else:
            end = ", still running"
        return f"attempt {self.number} started at {seconds(self.started)}{end}"


class ScriptedOp:
    """`await op()`: attempt k does what `script[k - 1]` says; an attempt past the script's end raises
    UnscriptedAttempt at once.

    Instruments: `calls` (every Attempt, in order, with start and end on the running loop's clock: simulated
    under run_in_simulated_time), `cancelled` (the attempts that received CancelledError), `running`, and `hung`
    (attempts still waiting when a simulated loop found nothing left that could ever end them), `left_running`
    (attempts still running after the learner's coroutine had ended). The runner cancels those two kinds itself:
    that is not recorded as a cancellation.
    """

    def __init__(self, script: Sequence[Step]) -> None:
        self.script = list(script)
        self.calls: list[Attempt] = []

    async def __call__(self) -> Any:
        loop = asyncio.get_running_loop()
        attempt = Attempt(len(self.calls) + 1, loop.time())
        self.calls.append(attempt)
        if attempt.number <= len(self.script):
            step = self.script[attempt.number - 1]
        else:
            step = raises(UnscriptedAttempt(f"attempt {attempt.number}: no more attempts were expected"))
        try:
            if step.kind == "hang":
                await loop.create_future()
            await real_sleep(step.after)
            if step.kind == "raise":
                attempt.outcome = "raised"
                raise step.error
            attempt.outcome = "returned"
            return step.value
        except asyncio.CancelledError:
            # Cancelled by run_in_simulated_time ("hung", "left running"), or by the learner's code.
            attempt.outcome = getattr(loop, "harness_cancelling", None) or "cancelled"
            raise
        finally:
            if attempt.outcome in ("returned", "raised", "cancelled"):
                attempt.ended = loop.time()

    @property
    def hung(self) -> list[Attempt]:
        return [attempt for attempt in self.calls if attempt.outcome == "hung"]

    @property
    def left_running(self) -> list[Attempt]:
        return [attempt for attempt in self.calls if attempt.outcome == "left running"]

    @property
    def cancelled(self) -> list[Attempt]:
        return [attempt for attempt in self.calls if attempt.outcome == "cancelled"]

    @property
    def running(self) -> list[Attempt]:
        return [attempt for attempt in self.calls if attempt.outcome == "running"]

    def timeline(self) -> str:
        """Every attempt so far, as a learner reads it: 'attempt 1 started at 0.00 s and raised at 1.00 s; ...'."""
        return "; ".join(attempt.describe() for attempt in self.calls) or "no attempt at all"


class BlockingSleep(BaseException):
    """Raised in the learner's code in place of a time.sleep call, under run_in_simulated_time."""


class _Abandon(BaseException):
    """Leaves a simulated loop whose learner code will not end: stuck twice, or past the real-time budget."""


class _JumpingSelector(selectors.DefaultSelector):
    """Looks for I/O without ever blocking; when the loop would block, moves its clock instead."""

    loop: "SimulatedLoop"

    def select(self, timeout: float | None = None):
        self.loop._check_real_time()
        events = super().select(0)
        if not events and timeout != 0:
            self.loop._idle(timeout)
        return events


class SimulatedLoop(asyncio.SelectorEventLoop):
    """An event loop on a simulated clock: see run_in_simulated_time."""

    def __init__(self) -> None:
        self._now = 0.0
        selector = _JumpingSelector()
        selector.loop = self
        super().__init__(selector)
        self.main: asyncio.Future | None = None
        self.stuck_at: float | None = None
        self.harness_cancelling: str | None = None  # how a ScriptedOp records a cancellation by the runner
        self.overran = False
        self.cleanup_until: float | None = None

    def time(self) -> float:
        return self._now

    def _idle(self, timeout: float | None) -> None:
        if timeout is not None:  # every task waits: the next timer is due now
            self._now += timeout
        elif self.cleanup_until is not None:
            raise _Abandon
        elif self.stuck_at is None:  # no timer left: nothing could ever wake the learner's code
            self.stuck_at = self._now
            self.harness_cancelling = "hung"
            self.main.cancel()
        else:
            raise _Abandon

    def _check_real_time(self) -> None:
        now = real_perf_counter()
        if self.cleanup_until is not None:
            if now > self.cleanup_until:
                raise _Abandon
        elif now > checks._budget_ends:
            if not self.overran:
                self.overran = True
                self.main.cancel()
            elif now > checks._budget_ends + 0.5:
                raise _Abandon


@dataclass
class SimulatedOutcome(Outcome):
    """An Outcome on the simulated clock (`elapsed` in simulated seconds), and what else was seen."""

    stuck: bool = False  # the learner's code waited on something that could never happen
    leaked: int = 0  # tasks still running a few loop iterations after the learner's coroutine ended

    def describe(self) -> str:
        if self.stuck:
            return f"it was still waiting after {self.elapsed:.2f} s, with nothing left that could ever wake it"
        return super().describe()


async def _settle(iterations: int) -> None:
    for _ in range(iterations):
        await real_sleep(0)


def run_in_simulated_time(awaitable: Awaitable, *, cancel_at: float | None = None) -> SimulatedOutcome:
    """Run the learner's coroutine to its end on a SimulatedLoop (clock starting at 0) and say how it ended.

    cancel_at: cancel it at that time of the simulated clock.
    Call it from a plain `def` test: it runs a loop of its own and cannot run inside another.
    """
    loop = SimulatedLoop()
    outcome = SimulatedOutcome()
    sleeps: list[str] = []

    def stop_time_sleep(frame, event: str, arg) -> None:
        if event == "c_call" and arg is real_time_sleep:
            sleeps.append(learner.shown(frame.f_code.co_filename) + f", line {frame.f_lineno}")
            raise BlockingSleep("time.sleep would block the event loop")

    error = None
    try:
        main = loop.main = asyncio.ensure_future(awaitable, loop=loop)
        main.add_done_callback(lambda _: setattr(outcome, "elapsed", loop.time()))
        if cancel_at is not None:
            loop.call_at(cancel_at, main.cancel)
        sys.setprofile(stop_time_sleep)
        try:
            loop.run_until_complete(asyncio.wait([main]))
        except _Abandon:
            outcome.elapsed = loop.time()
        outcome.stuck = loop.stuck_at is not None or not main.done()
        if loop.stuck_at is not None:
            outcome.elapsed = loop.stuck_at
        elif main.cancelled():
            outcome.cancelled = True
        elif main.done() and (error := main.exception()) is not None:
            outcome.error = error
            outcome.where = learner.location(error.__traceback__)
        elif main.done():
            outcome.value = main.result()
        # What is still running a few loop iterations after the learner's coroutine ended was left behind.
        loop.cleanup_until = real_perf_counter() + 0.5
        try:
            loop.run_until_complete(_settle(5))
            leaked = [task for task in asyncio.all_tasks(loop) if not task.done()]
            outcome.leaked = len(leaked)
            loop.harness_cancelling = "left running"
            for task in leaked:
                task.cancel()
            if leaked:
                loop.run_until_complete(asyncio.wait(leaked, timeout=60))
            loop.run_until_complete(loop.shutdown_asyncgens())
        except _Abandon:
            pass
    finally:
        sys.setprofile(None)
        loop.close()
    if isinstance(error, (NotImplementedError, pytest.fail.Exception)):
        raise error  # a stub (the kata is "not started"), or pytest-timeout stopping the check
    if error is not None:
        _clear_tracebacks(error, set())
    expect(
        not sleeps,
        saw=f"time.sleep called in a coroutine ({sleeps[0] if sleeps else ''})",
        expected="waiting with await asyncio.sleep(...), which lets other tasks run meanwhile",
        mistake="time.sleep blocks the whole event loop: no other task runs until it returns, and no timeout "
        "or cancellation can interrupt it",
    )
    if loop.overran:
        raise CheckOverrun(
            f"Saw: your function still running when this check's time ran out ({seconds(checks.CHECK_BUDGET)} "
            "of real time over all its calls), although this check's clock is simulated: sleeps and timeouts "
            "cost it no real time.\n"
            "Expected: every call to end after a few loop iterations of real time.\n"
            "Likely mistake: a loop that never ends, polling with `await asyncio.sleep(0)` or without any await."
        )
    return outcome
