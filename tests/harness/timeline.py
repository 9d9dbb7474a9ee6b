"""Scenes on the simulated clock: several calls of the learner's code (an object's methods, from many callers),
started and cancelled at set times, each one's start and end recorded exactly. For katas about time shared by
callers: rate limits, fair queues, deadlines that many callers meet.

`run_scene(scene)`, from a plain (not async) test: runs `await scene(timeline)` on the simulated clock that
harness.scripted keeps for both sides (see there: sleeps cost no real time, times are exact whatever the load,
both sides waiting with nothing left to wake them is seen at once). In the scene, `timeline.start(call)` sends a
call (`kata.fn(...)`, `obj.method(...)`) now and gives a `Timed`: when it was sent and when it ended on the
simulated clock, and how; `await timeline.until(t)` waits until time `t`; `timed.cancel()` cancels a call.

Two things only this module gives:
- A call the judge sends at time t reaches the sandbox together with the news that its clock is at t, in one
  write: the sandbox reads both before anything else runs, so the call's first step runs at t before any timer
  of the sandbox's that is also due at t. "A caller arriving at the very instant a slot frees" is then one
  deterministic ordering (the newcomer runs first), never a race between the two processes.
- `wakes`: every time the sandbox's loop woke because one of its own timers was due (not because the judge sent
  it something). A waiter that polls (asyncio.sleep in a loop, fixed-interval checks) shows as wakes at times
  nothing happened; one that waits for the event it needs wakes only then.
"""

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from grader import wire

from .checks import CheckOverrun, Outcome, expect, outcome_of
from .sandbox import Missing, RemoteCall, Sandbox, current_sandbox
from .scripted import CLEANUP, SimulatedLoop, _unless_given_up
from .timing import real_perf_counter, seconds

EPSILON = 1e-6  # simulated seconds: only float rounding
# Real seconds the sandbox may stay busy at a stretch, never waiting, while the judge waits on it. A scene's steps
# take it a millisecond or so, tens of milliseconds on a loaded machine; code that spins (`await asyncio.sleep(0)`
# in a loop, a busy loop, a blocking call) never waits, and is stopped after this long instead of the check's
# whole budget.
SPIN_LIMIT = 0.5


@dataclass
class Timed:
    """One call of a scene: sent at `sent`, ended at `ended` (simulated seconds), with `outcome` once ended."""

    call: RemoteCall
    sent: float
    label: str = ""
    ended: float | None = None
    outcome: Outcome | None = None
    cancel_sent: float | None = None

    def cancel(self) -> None:
        self.cancel_sent = asyncio.get_running_loop().time()
        self.call.cancel()

    @property
    def done(self) -> bool:
        return self.ended is not None

    async def wait(self) -> Outcome:
        """How the call ended (a stub's NotImplementedError is raised: the kata is "not started")."""
        message = await asyncio.shield(self.call.ended)
        if self.outcome is None:
            self.outcome = outcome_of(self.call, message, (self.ended or 0.0) - self.sent)
        return self.outcome


class _EveryCall:
    """Stands for the call a SimulatedLoop cancels when the learner's code is stuck or out of time: every call of
    the scene still running."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def cancel(self) -> None:
        for call in list(self.sandbox.calls.values()):
            call.cancel()


class Timeline(SimulatedLoop):
    """The judge's loop for a scene: a SimulatedLoop that, when its own timer is the next, moves its clock alone,
    runs what is due, and tells the sandbox the new time together with whatever it sent meanwhile."""

    def __init__(self, sandbox: Sandbox, limit: float = math.inf, max_wakes: float = math.inf) -> None:
        super().__init__(sandbox, _EveryCall(sandbox))
        self.wakes: list[float] = []  # times the sandbox woke for a timer of its own
        self.timed: list[Timed] = []
        self.limit = limit  # the clock goes no further while the scene runs: the calls still running are cancelled
        self.overtime: float | None = None  # when that happened
        self.max_wakes = max_wakes  # more wakes than this: the calls still running are cancelled (restless)
        self.restless = False
        self.spun = False  # the sandbox stayed busy past SPIN_LIMIT
        self._busy_since: float | None = None
        self._held: list[dict] | None = None
        self._agenda: dict[float, list] = {}

    # the scene's side

    def start(self, call: RemoteCall, label: str = "") -> Timed:
        timed = Timed(call, self.time(), label)
        call.on_end.append(lambda: setattr(timed, "ended", self.time()))
        self.timed.append(timed)
        call.start()
        return timed

    async def until(self, when: float, rank: Any = 0) -> None:
        """Wait until time `when`. Scene coroutines waiting for the same time resume in `rank` order (then in the
        order they asked), so what each sends then reaches the sandbox in that order, in one write."""
        if when <= self.time():
            return
        future = self.create_future()
        slot = self._agenda.setdefault(when, [])
        if not slot:
            self.call_at(when, self._resume, when)
        slot.append((rank, len(slot), future))
        await future

    def _resume(self, when: float) -> None:
        for _, _, future in sorted(self._agenda.pop(when, []), key=lambda item: item[:2]):
            if not future.done():
                future.set_result(None)

    # the clock

    def _idle(self, mine: float | None) -> None:
        if self.spun:  # the calls were cancelled; now that the sandbox waits again, the scene is over
            self._give_up()
            return
        if self._held is not None:
            self._release()
            return
        theirs = self.idle_report["next"] if self.idle_report else None
        due = min((when for when in (mine, theirs) if when is not None), default=None)
        if self.phase == "running" and due is not None and due > self.limit + EPSILON:
            if self.overtime is None:  # the learner's code waits past the scene's horizon: stop waiting for it
                self.overtime = self._now
                self.call.cancel()
            else:
                self._give_up()
            return
        if self.phase == "running" and mine is not None and (theirs is None or mine <= theirs + EPSILON):
            # The judge's own timer is next: move its clock alone, and hold what it sends until it waits again.
            self._now = max(self._now, mine)
            if theirs is not None and abs(theirs - mine) <= EPSILON:
                self._woke()
            self._hold({"op": "advance", "time": self._now})
            return
        before = self._now
        super()._idle(mine)
        if self.phase == "running" and theirs is not None and self._now > before - EPSILON:
            if abs(self._now - theirs) <= EPSILON:
                self._woke()

    def _woke(self) -> None:
        self.wakes.append(self._now)
        if len(self.wakes) > self.max_wakes and not self.restless and self.overtime is None:
            # It wakes again and again with nothing to show for it: a poll. Stop waiting for it.
            self.restless = True
            self.overtime = self._now
            self.call.cancel()

    def _hold(self, first: dict) -> None:
        self._held = [first]
        channel = self.sandbox.main
        channel.send = self._held.append  # an instance attribute: the channel's own method is back on release

    def _release(self) -> None:
        """Send everything held in one write: the sandbox reads it all before running anything."""
        held, self._held = self._held, None
        channel = self.sandbox.main
        del channel.send
        data = b"".join(wire.dumps(message) for message in held)
        with channel.lock:
            if channel.closed:
                return
            try:
                channel.sock.sendall(data)
                channel.sent += len(held)
            except OSError:
                channel.closed = True

    def _check_real_time(self) -> None:
        if self._held is not None and self.phase != "running":
            self._release()
        now = real_perf_counter()
        if self._sandbox_waits() or self.sandbox.ended is not None:
            self._busy_since = None
        elif self._busy_since is None:
            self._busy_since = now
        elif now - self._busy_since > SPIN_LIMIT:
            self._busy_since = now
            if not self.spun:
                self.spun = True
                self.call.cancel()
            else:
                self._give_up()
        super()._check_real_time()


@dataclass
class Scene:
    """How a scene went: what the scene function returned, every call it made, and what else was seen."""

    value: Any = None
    timed: list[Timed] = field(default_factory=list)
    wakes: list[float] = field(default_factory=list)
    stuck: bool = False  # both sides waited with nothing left that could ever wake them (calls then cancelled)
    overtime: float | None = None  # when the calls still waiting were cancelled: at the horizon, or restless
    restless: bool = False  # the sandbox woke for its own timers more than max_wakes times
    leaked: int = 0  # the sandbox's tasks still running once the scene was over and both sides waited
    ended_at: float = 0.0


async def _play(loop: Timeline, scene: Callable[[Timeline], Awaitable[Any]]) -> tuple[bool, Any]:
    task = asyncio.ensure_future(scene(loop))
    done = await _unless_given_up(loop, task)
    if done is None:
        return False, None
    value = done.result()
    loop.ended_at = loop.time()
    loop.cleanup_until = real_perf_counter() + CLEANUP
    loop.phase = "settling"
    await _unless_given_up(loop, loop.settled)
    return True, value


def run_scene(
    scene: Callable[[Timeline], Awaitable[Any]], *, limit: float = math.inf, max_wakes: float = math.inf
) -> Scene:
    """Run `await scene(timeline)` on the simulated clock (starting at 0), as one check of the sandbox's, which
    cancels whatever the learner's code left running once the scene is over. Call it from a plain `def` test.

    limit: the clock's horizon; the learner's code waiting past it has its calls cancelled (`Scene.overtime`).
    max_wakes: the most wakes the scene can need; past them, the calls are cancelled too (`Scene.restless`).
    Code that never lets its loop wait is stopped after SPIN_LIMIT real seconds, and the check fails."""
    sandbox = current_sandbox()
    loop = Timeline(sandbox, limit, max_wakes)
    sandbox.attach(loop, simulated=True)
    sandbox.listeners.append(loop.hear)
    finished, value = False, None
    try:
        finished, value = loop.run_until_complete(_play(loop, scene))
    except (NotImplementedError, Missing) as error:
        # A stub ("not started") or a missing name: said without the loop's frames, which cost pytest seconds to
        # format for every check of a stub on a loaded machine.
        raise error.with_traceback(None) from None
    finally:
        sandbox.listeners.remove(loop.hear)
        if loop._held is not None:
            loop._release()
        if loop.gave_up.done() and not loop._sandbox_waits():  # its loop never came back: nothing reaches it
            sandbox.kill("it was still running when the check's time ran out")
        fakes = [invocation.task for invocation in sandbox.invocations.values() if invocation.task is not None]
        # Ending the check cancels what the scene left running, on both sides; the sandbox counts its own.
        report = sandbox.end()
        try:
            if fakes:  # the judge's fakes the scene left running, cancelled by the end of the sandbox's check
                loop.phase = "cleanup"
                loop.cleanup_until = real_perf_counter() + CLEANUP
                loop.gave_up = loop.create_future()
                loop.run_until_complete(_unless_given_up(loop, asyncio.wait(fakes)))
        finally:
            loop.close()
    leftover = report.get("leftover")
    expect(
        not loop.sleeps,
        saw=f"time.sleep called in a coroutine ({loop.sleeps[0] if loop.sleeps else ''})",
        expected="waiting with await asyncio.sleep(...), which lets other tasks run meanwhile",
        mistake="time.sleep blocks the whole event loop: no other task runs until it returns",
    )
    if loop.spun:
        raise CheckOverrun(
            f"Saw: your code kept the event loop busy for {seconds(SPIN_LIMIT)} at a stretch without ever "
            "letting it wait, although this check's clock is simulated: every wait costs it no real time.\n"
            "Expected: the loop to rest while callers wait (for a timer, a future, an event).\n"
            "Likely mistake: a loop that polls with `await asyncio.sleep(0)`, a loop without any await, or a "
            "blocking call."
        )
    if loop.overran or not finished:
        raise CheckOverrun(
            "Saw: your code still running when this check's time ran out, although this check's clock is "
            "simulated: every wait costs it no real time.\n"
            "Expected: every call to end after a few loop iterations of real time.\n"
            "Likely mistake: a loop that never lets the event loop rest: polling with `await asyncio.sleep(0)`, "
            "or a loop without any await."
        )
    return Scene(
        value=value,
        timed=loop.timed,
        wakes=loop.wakes,
        stuck=loop.stuck_at is not None,
        overtime=loop.overtime,
        restless=loop.restless,
        leaked=leftover if isinstance(leftover, int) else 0,
        ended_at=loop.ended_at if loop.ended_at is not None else loop.time(),
    )


def at(when: float) -> str:
    """A time of the simulated clock in a learner's words."""
    return f"t={when:g}" if math.isfinite(when) else "never"


__all__ = ["EPSILON", "Scene", "Timed", "Timeline", "at", "run_scene", "seconds"]
