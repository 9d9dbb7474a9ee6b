"""Scripted operations, and a simulated clock to run them on: for katas that retry, back off and time out.

`ScriptedOp(script)`: `await op()` does what the script says for that attempt (return a value or raise an
exception after a while, or hang until cancelled) and records every attempt: when it started and ended on the
judge's event loop's clock, and how it ended. It is a judge's fake: the learner's code calls it from the sandbox,
and what it records is what the judge saw.

`run_in_simulated_time(kata.fn(...))`: runs a call of the learner's coroutine function, from a plain (not async)
test, on a simulated clock that the judge keeps for both sides: the sandbox runs the call on a loop of its own
whose clock the judge moves, and the judge's fakes run on a SimulatedLoop here. Each clock stands still while
anything on either side is ready to run and, once both sides wait, both jump straight to the next timer of
either. Sleeps, timeouts and backoffs cost no real time, and the times an instrument records are exact whatever
the machine's load: an attempt meant to start 2 s after a failure starts exactly 2 s after it, so a backoff off
by any factor is seen without a wall-clock bound. Waiting on something that can never happen (both sides
waiting, no timer left) is seen at once, as `outcome.stuck`, instead of hanging the check.

The simulated clock is the loops' own (`loop.time()`, which asyncio.sleep, asyncio.timeout and wait_for all
use); time.monotonic() and time.perf_counter() still run in real time. A time.sleep in the learner's code would
block for real and move no simulated clock: the sandbox stops it before it sleeps and names the place, and the
check fails. Other blocking (a busy loop) is not seen here: check the loop's freedom on the real loop, with
LoopWatch. Threads and other event loops of the learner's are not on the simulated clock.
"""

import asyncio
import math
import selectors
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from grader import wire

from . import checks
from .checks import CheckOverrun, Outcome, describe_error, expect, outcome_of, short
from .sandbox import RemoteCall, Sandbox
from .timing import real_perf_counter, real_sleep, seconds

# Real seconds the judge waits at a time for a busy sandbox, between looks at the check's budget.
POLL = 0.05
# Real seconds the learner's code gets, once its call has ended, to let the cancelled tasks finish.
CLEANUP = 1.0


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

    Instruments: `calls` (every Attempt, in order, with start and end on the judge's loop's clock: simulated
    under run_in_simulated_time), `cancelled` (the attempts that received CancelledError), `running`, and `hung`
    (attempts still waiting when both sides waited with nothing left that could ever end them), `left_running`
    (attempts still running once the learner's call had ended and its cancelled tasks had finished). The runner
    cancels those two kinds itself: that is not recorded as a cancellation.
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


class _MasterSelector(selectors.DefaultSelector):
    """The judge's selector: looks for I/O; when the judge would block, moves both clocks on if the sandbox waits
    too, and otherwise really waits for the sandbox (its messages come through call_soon_threadsafe, which wakes
    this selector)."""

    loop: "SimulatedLoop"

    def select(self, timeout: float | None = None):
        loop = self.loop
        loop._check_real_time()
        events = super().select(0)
        if events or timeout == 0:
            return events
        if not loop._sandbox_waits():
            return super().select(POLL)
        loop._idle(None if timeout is None else loop._now + timeout)
        return []


class SimulatedLoop(asyncio.SelectorEventLoop):
    """The judge's loop on the simulated clock it keeps for both sides: see run_in_simulated_time.

    The sandbox says "idle" (its next timer, and how many of the judge's messages it has read) each time it would
    block. That word holds until the judge sends it anything more: only then, with this loop idle too, does the
    clock move, to the nearest timer of either side, and the sandbox is told ("advance")."""

    def __init__(self, sandbox: Sandbox, call: RemoteCall) -> None:
        self._now = 0.0
        selector = _MasterSelector()
        selector.loop = self
        super().__init__(selector)
        self.sandbox = sandbox
        self.call = call
        self.idle_report: dict | None = None
        self.sleeps: list[str] = []  # where the sandbox stopped a time.sleep
        self.phase = "running"  # then "settling" (both sides waiting ends it; the clock stands still), "cleanup"
        self.settled = self.create_future()
        self.gave_up = self.create_future()  # the learner's code will not end: stuck twice, or out of time
        self.stuck_at: float | None = None
        self.ended_at: float | None = None
        self.harness_cancelling: str | None = None  # how a ScriptedOp records a cancellation by the runner
        self.overran = False
        self.cleanup_until: float | None = None

    def time(self) -> float:
        return self._now

    def hear(self, message: dict) -> None:
        """A message from the sandbox, in this loop's thread, in the order it came."""
        op = message.get("op")
        if op == "idle":
            following, seen = message.get("next"), message.get("seen")
            if not isinstance(seen, int) or not (
                following is None or (isinstance(following, (int, float)) and math.isfinite(following))
            ):
                raise wire.WireError("a malformed idle report")
            self.idle_report = message
        elif op == "time_sleep":
            self.sleeps.append(wire.cap(str(message.get("where")), 300))

    def _sandbox_waits(self) -> bool:
        report = self.idle_report
        return report is not None and report["seen"] == self.sandbox.main.sent and self.sandbox.ended is None

    def _idle(self, mine: float | None) -> None:
        """Both sides wait; `mine` is this loop's next timer."""
        if self.phase == "settling":
            if not self.settled.done():
                self.settled.set_result(None)
            return
        due = [when for when in (mine, self.idle_report["next"]) if when is not None]
        if due:
            self._now = max(self._now, min(due))
            self.sandbox.main.send({"op": "advance", "time": self._now})
        elif self.phase == "running" and self.stuck_at is None:  # nothing could ever wake the learner's code
            self.stuck_at = self._now
            self.harness_cancelling = "hung"
            self.call.cancel()
        else:
            self._give_up()

    def _give_up(self) -> None:
        if not self.gave_up.done():
            self.gave_up.set_result(None)

    def _check_real_time(self) -> None:
        now = real_perf_counter()
        if self.cleanup_until is not None:
            if now > self.cleanup_until:
                self._give_up()
        elif now > checks._budget_ends:
            if not self.overran:
                self.overran = True
                self.call.cancel()
            elif now > checks._budget_ends + 0.5:
                self._give_up()


@dataclass
class SimulatedOutcome(Outcome):
    """An Outcome on the simulated clock (`elapsed` in simulated seconds), and what else was seen."""

    stuck: bool = False  # the learner's code waited on something that could never happen
    leaked: int = 0  # the sandbox's tasks still running once the call had ended and both sides waited

    def describe(self) -> str:
        if self.stuck:
            return f"it was still waiting after {self.elapsed:.2f} s, with nothing left that could ever wake it"
        return super().describe()

    def on_the_clock(self) -> str:
        """describe(), saying which clock its times are on: a learner reading a check's message would otherwise
        take them for real time."""
        return self.describe() + " (times on the check's simulated clock)"


async def _unless_given_up(loop: SimulatedLoop, awaitable) -> asyncio.Future | None:
    """Wait for `awaitable`, unless the loop gives up first; its future once done, else None."""
    future = asyncio.ensure_future(awaitable)
    await asyncio.wait([future, loop.gave_up], return_when=asyncio.FIRST_COMPLETED)
    if future.done():
        return future
    future.cancel()
    return None


async def _play(loop: SimulatedLoop, call: RemoteCall, cancel_at: float | None) -> dict | None:
    """The sandbox's word on how the call ended (None: given up), once both sides wait again at the time it ended:
    a task it cancelled and did not await has finished by then, whatever the round trips between the processes."""
    call.on_end.append(lambda: setattr(loop, "ended_at", loop.time()))
    call.start()
    if cancel_at is not None:
        loop.call_at(cancel_at, call.cancel)
    ended = await _unless_given_up(loop, call.ended)
    if ended is None:
        return None
    loop.cleanup_until = real_perf_counter() + CLEANUP
    loop.phase = "settling"
    await _unless_given_up(loop, loop.settled)
    return ended.result()


async def _finish_fakes(loop: SimulatedLoop, fakes: list[asyncio.Task]) -> None:
    """The judge's fakes the call left running, cancelled by the end of the sandbox's check."""
    loop.phase = "cleanup"
    loop.cleanup_until = real_perf_counter() + CLEANUP
    loop.gave_up = loop.create_future()
    if fakes:
        await _unless_given_up(loop, asyncio.wait(fakes))


def run_in_simulated_time(call: RemoteCall, *, cancel_at: float | None = None) -> SimulatedOutcome:
    """Run a call of the learner's coroutine function (`kata.fn(...)`) to its end on the simulated clock (starting
    at 0) and say how it ended. Each run is a check of its own in the sandbox, which cancels whatever the call
    left running once the run is over.

    cancel_at: cancel it at that time of the simulated clock.
    Call it from a plain `def` test: it runs a loop of its own and cannot run inside another.
    """
    sandbox = call.sandbox
    loop = SimulatedLoop(sandbox, call)
    sandbox.attach(loop, simulated=True)
    sandbox.listeners.append(loop.hear)
    message = None
    try:
        message = loop.run_until_complete(_play(loop, call, cancel_at))
    finally:
        sandbox.listeners.remove(loop.hear)
        if loop.gave_up.done() and not loop._sandbox_waits():  # its loop never came back: nothing reaches it
            sandbox.kill("it was still running when the check's time ran out")
        if message is not None or loop.harness_cancelling is None:
            loop.harness_cancelling = "left running"
        fakes = [invocation.task for invocation in sandbox.invocations.values() if invocation.task is not None]
        # Ending the check cancels what the call left running, on both sides; the sandbox counts its own.
        report = sandbox.end()
        try:
            loop.run_until_complete(_finish_fakes(loop, fakes))
        finally:
            loop.close()
    leftover = report.get("leftover")
    leaked = leftover if message is not None and isinstance(leftover, int) else 0
    outcome = SimulatedOutcome(stuck=loop.stuck_at is not None or message is None, leaked=leaked)
    if loop.stuck_at is not None:
        outcome.elapsed = loop.stuck_at
    elif message is None:
        outcome.elapsed = loop.time()
    else:
        seen = outcome_of(call, message, loop.ended_at)  # a stub's NotImplementedError is raised: "not started"
        outcome.value, outcome.error, outcome.cancelled = seen.value, seen.error, seen.cancelled
        outcome.elapsed, outcome.where = seen.elapsed, seen.where
    expect(
        not loop.sleeps,
        saw=f"time.sleep called in a coroutine ({loop.sleeps[0] if loop.sleeps else ''})",
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
