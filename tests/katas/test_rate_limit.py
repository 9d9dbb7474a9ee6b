"""Hidden suite: rate_limit.RateLimiter(rate, per), a class used by many callers at once.

The limiter lives in the sandbox; the judge holds it by handle and plays scenes on the simulated clock
(harness.timeline): callers arrive, enter (`await limiter.acquire()`, or `async with limiter:` as
`__aenter__` then `__aexit__`) and are cancelled at set times, and each entry's time is the judge's own record of
when the call returned, exact to the float. The window rule, the order of entries, "no longer than needed" and a
cancelled waiter's effect are judged against a model of the contract with no wall-clock bound. The sandbox's
wake-ups (harness.timeline's `wakes`) show polling. Only the loop's freedom is checked on the real loop.

Every time in a scene is a multiple of 1/8 and every `per` a power of two, so all the arithmetic on them (the
learner's and the model's) is exact: cancellations happen at odd multiples of 1/8, never at an instant an entry
is due.
"""

import asyncio
from dataclasses import dataclass, field

import pytest
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

from harness import LoopWatch, expect, run, short, units
from harness.checks import describe_error
from harness.timeline import EPSILON, Scene, Timed, Timeline, at, run_scene

# Each example is a scene of its own, a few dozen round trips between two processes: ten are plenty for the
# window and order rules, with the cases that matter most as @examples; no shrinking (a hundred scenes).
SCENES = settings(max_examples=10, phases=[Phase.explicit, Phase.generate])


@dataclass
class Caller:
    """One caller of a scene: arrives at `arrives`, uses `acquire()` or `async with`, maybe cancelled at `cancel_at`."""

    number: int
    arrives: float
    with_block: bool = False
    cancel_at: float | None = None
    timed: Timed | None = None
    exit_outcome: object = None

    @property
    def name(self) -> str:
        return f"caller {self.number}"

    @property
    def entered(self) -> float | None:
        """When its entry returned, on the simulated clock; None if it did not return."""
        if self.timed is None or self.timed.outcome is None or not self.timed.outcome.returned:
            return None
        return self.timed.ended

    def story(self) -> str:
        how = "async with" if self.with_block else "acquire()"
        text = f"{self.name} ({how}) arrived at {at(self.arrives)}"
        if self.cancel_at is not None:
            text += f", cancelled at {at(self.cancel_at)}"
        if self.timed is None or self.timed.outcome is None:
            return text + ", never sent"
        outcome = self.timed.outcome
        if outcome.returned:
            return text + f", entered at {at(self.timed.ended)}"
        if outcome.cancelled:
            return text + f", ended cancelled at {at(self.timed.ended)}"
        if outcome.error is not None:
            return text + f", raised {describe_error(outcome.error)} at {at(self.timed.ended)}"
        return text + ", still waiting"


@dataclass
class Played:
    """A scene's callers and how the limiter was made."""

    rate: int
    per: float
    callers: list[Caller] = field(default_factory=list)
    made: object = None  # the Outcome of RateLimiter(rate, per)
    scene: Scene | None = None

    def setting(self) -> str:
        return f"RateLimiter({self.rate}, {self.per:g}): " + "; ".join(caller.story() for caller in self.callers)


def play(kata, rate: int, per: float, callers: list[Caller]) -> Played:
    """Make the limiter, then send each caller at its time (in list order at the same time) and cancel those
    due, on the simulated clock; a caller in `async with` leaves the block as soon as it has entered."""
    played = Played(rate, per, callers)

    async def scene(timeline: Timeline) -> None:
        made = timeline.start(kata.RateLimiter.in_loop_thread(rate, per))
        played.made = await made.wait()
        if not played.made.returned:
            return
        limiter = played.made.value
        events = sorted(
            [(caller.arrives, 0, index) for index, caller in enumerate(callers)]
            + [(caller.cancel_at, 1, index) for index, caller in enumerate(callers) if caller.cancel_at is not None]
        )
        exits = []
        for when, kind, index in events:
            await timeline.until(when)
            caller = callers[index]
            if kind == 1:
                if not caller.timed.done:
                    caller.timed.cancel()
                continue
            method = limiter.method("__aenter__") if caller.with_block else limiter.acquire
            caller.timed = timeline.start(method(), caller.name)
            exits.append(asyncio.ensure_future(leave(timeline, limiter, caller)))
        await asyncio.gather(*exits)

    async def leave(timeline: Timeline, limiter, caller: Caller) -> None:
        """Leave the block the moment the caller has entered."""
        outcome = await caller.timed.wait()
        if caller.with_block and outcome.returned:
            caller.exit_outcome = await timeline.start(limiter.method("__aexit__")(None)).wait()

    # The horizon: past the last entry the contract allows, by two windows. Code that waits longer has its
    # callers cancelled there (the check then says who had not entered).
    expected = [when for when in model(rate, per, callers).values() if when is not None]
    horizon = max(expected + [caller.cancel_at or 0.0 for caller in callers] + [0.0]) + 2 * per
    # Wakes: a limiter wakes at most at each moment a slot frees, a caller arrives or is cancelled; three per
    # caller, and a few for good measure. A poll wakes a hundred times a second.
    played.scene = run_scene(scene, limit=horizon, max_wakes=3 * len(callers) + 4)
    return played


def model(rate: int, per: float, callers: list[Caller]) -> dict[int, float | None]:
    """When each caller enters under the contract (None: cancelled first). In arrival order (FIFO), each enters
    at the earliest time the window allows, and no earlier than the one before it; a cancelled waiter takes no
    slot. Callers arrive in list order."""
    entries: list[float] = []
    expected: dict[int, float | None] = {}
    for caller in callers:
        earliest = max([caller.arrives] + entries[-1:] + ([entries[-rate] + per] if len(entries) >= rate else []))
        if caller.cancel_at is not None and caller.cancel_at < earliest:
            expected[caller.number] = None
            continue
        expected[caller.number] = earliest
        entries.append(earliest)
    return expected


def crowded_window(entries: list[float], rate: int, per: float) -> tuple[float, int] | None:
    """A window [t, t + per) holding more than `rate` of the entries: (t, how many); None if there is none."""
    ordered = sorted(entries)
    for index, start in enumerate(ordered):
        inside = sum(1 for other in ordered[index:] if other < start + per - EPSILON)
        if inside > rate:
            return start, inside
    return None


def expect_made(played: Played) -> None:
    made = played.made
    expect(
        made is not None and made.returned,
        saw=f"RateLimiter({played.rate}, {played.per:g}): " + (made.describe() if made else "never made"),
        expected="a limiter",
    )


def expect_not_stuck(played: Played) -> None:
    waiting = [caller for caller in played.callers if caller.timed is not None and caller.timed.cancel_sent is None]
    expect(
        not played.scene.stuck,
        saw=f"{played.setting()}; then every caller still waiting stayed waiting with nothing left that could "
        "wake it (the judge cancelled them)",
        expected="each waiter to enter once the window has room: something must wake it then",
        mistake="a waiter that waits for an event or a future nobody sets once a slot frees (no timer for the "
        "moment the oldest entry leaves the window?)"
        if waiting
        else None,
    )


POLLING = (
    "polling: `while full: await asyncio.sleep(interval)` checks again and again; sleep until the oldest entry "
    "leaves the window (its start + per) instead, or have a timer wake the next waiter then"
)


def expect_in_time(played: Played) -> None:
    overtime = played.scene.overtime
    if played.scene.restless:
        wakes = played.scene.wakes
        expect(
            False,
            saw=f"{played.setting()}: the limiter's event loop woke for timers of its own {len(wakes)} times by "
            f"{at(overtime)} (" + ", ".join(at(when) for when in wakes[:6]) + " ...), and the judge cancelled the "
            "callers still waiting",
            expected="wake-ups only when a slot frees",
            mistake=POLLING,
        )
    expect(
        overtime is None,
        saw=f"{played.setting()}: callers still waiting at {at(overtime or 0.0)}, two windows after the last "
        "entry the rule allows (the judge cancelled them)",
        expected="every caller to have entered by then",
        mistake="the window kept on another clock than the event loop's (time.time() or time.monotonic()): "
        "measure with asyncio.get_running_loop().time(), which is what asyncio.sleep counts in"
        if overtime is not None
        else None,
    )


def expect_entries(played: Played) -> None:
    """Everyone not cancelled entered (acquire returned None), at the very time the model says."""
    expect_made(played)
    expect_not_stuck(played)
    expect_in_time(played)
    expected = model(played.rate, played.per, played.callers)
    for caller in played.callers:
        outcome = caller.timed.outcome if caller.timed is not None else None
        if expected[caller.number] is None:
            continue
        expect(
            outcome is not None and outcome.returned,
            saw=f"{played.setting()}",
            expected=f"{caller.name} to enter (its call returning) at {at(expected[caller.number])}",
            mistake="a TimeoutError or CancelledError of the limiter's own?"
            if outcome is not None and outcome.error is not None
            else None,
        )
        if not caller.with_block:
            expect(
                outcome.value is None,
                saw=f"acquire() returned {short(outcome.value)}",
                expected="acquire() to return None",
            )
    entries = [caller.entered for caller in played.callers if caller.entered is not None]
    crowded = crowded_window(entries, played.rate, played.per)
    if crowded is not None:
        start, inside = crowded
        expect(
            False,
            saw=f"{played.setting()}: {inside} entries within [{start:g}, {start + played.per:g})",
            expected=f"at most {played.rate} entries within any {played.per:g} s",
            mistake="slots given back bit by bit (a token bucket lets an entry through once a fraction of `per` "
            "has passed), or a count reset at fixed window boundaries (entries just before and just after a "
            "boundary add up to more than `rate`): keep the start time of each entry and count those of the last "
            "`per` seconds (a sliding window), on loop.time()",
        )
    inside = [caller for caller in played.callers if caller.entered is not None]
    order = sorted(inside, key=lambda caller: caller.entered)
    for earlier, later in zip(order, order[1:], strict=False):
        expect(
            earlier.number < later.number or abs(earlier.entered - later.entered) <= EPSILON,
            saw=f"{played.setting()}",
            expected=f"{later.name} to enter before {earlier.name}, who arrived after it",
            mistake="waiters do not keep their place: callers enter in the order they arrived, and one arriving "
            "while others wait queues behind them, even at the very moment a slot frees (keep a queue of "
            "waiters, or let one waiter at a time watch the window behind an asyncio.Lock)",
        )
    for caller in played.callers:
        want = expected[caller.number]
        if want is None or caller.entered is None:
            continue
        expect(
            caller.entered >= want - EPSILON,
            saw=f"{played.setting()}",
            expected=f"{caller.name} to enter at {at(want)}",
            mistake="it went ahead of a caller that was waiting before it, at the same moment",
        )
        late = caller.entered - want
        expect(
            late <= EPSILON,
            saw=f"{played.setting()}",
            expected=f"{caller.name} to enter at {at(want)}, the moment the window had room for it and "
            "everyone before it had entered",
            mistake="a waiter let in late: it must wake the moment the oldest entry leaves the window "
            "(at its start + per), not after a fixed sleep or at the next poll"
            if late < played.per
            else "a slot was lost, or taken by a caller who left: a cancelled waiter must take no slot",
        )


def expect_no_leftover_tasks(played: Played) -> None:
    expect(
        played.scene.leaked == 0,
        saw=f"{played.scene.leaked} task(s) of the limiter's still running once every caller had entered",
        expected="no task left running once a call has returned",
        mistake="a task started per entry to give its slot back later (create_task(sleep(per)...)): a timer "
        "(loop.call_at) does that without a task, or keep the entry times and wait for the oldest",
    )


# Scenes: (rate, per, [(arrival, with_block), ...]) with arrivals at multiples of 1/4.
PERS = [0.5, 1.0, 2.0]
callers_strategy = st.lists(st.tuples(st.integers(0, 12), st.booleans()), min_size=1, max_size=8)


def make_callers(arrivals: list[tuple[int, bool]], cancels: dict[int, int] | None = None) -> list[Caller]:
    """Callers from (quarter, with_block) pairs, sorted by arrival; `cancels` maps a caller's position to how many
    eighths after its arrival it is cancelled (odd: never at an entry's instant)."""
    ordered = sorted(arrivals, key=lambda pair: pair[0])
    callers = []
    for number, (quarter, with_block) in enumerate(ordered, 1):
        cancel_at = None
        if cancels and number - 1 in cancels:
            cancel_at = quarter / 4 + cancels[number - 1] / 8
        callers.append(Caller(number, quarter / 4, with_block, cancel_at))
    return callers


@pytest.mark.category("correctness")
@SCENES
@given(st.integers(1, 3), st.sampled_from(PERS), callers_strategy)
@example(2, 1.0, [(0, False)] * 5)  # the docstring's example: two, two, one
@example(3, 1.0, [(3, False), (3, True), (3, False), (4, True), (4, False), (4, True)])  # across a boundary
@example(1, 0.5, [(0, True), (1, False), (5, True), (5, False)])  # an idle stretch, then a burst
@example(2, 2.0, [(0, False), (2, False), (3, False), (4, True), (9, False)])
def test_entries_follow_the_sliding_window(kata, rate, per, arrivals):
    """At most `rate` entries in any window of `per` seconds, each caller entering at the very moment that
    rule (and its place in the queue) allows: at once when there is room, never later than needed."""
    played = play(kata, rate, per, make_callers(arrivals))
    expect_entries(played)


@pytest.mark.category("correctness")
def test_waiters_enter_in_arrival_order(kata):
    """Waiting callers enter first come, first served, and one arriving at the very moment a slot frees queues
    behind those already waiting."""
    # rate 1 per 1: caller 1 enters at 0; 2, 3 and 4 wait; 5 arrives at t=1, when the slot frees for 2.
    played = play(kata, 1, 1.0, make_callers([(0, False), (1, False), (2, True), (3, False), (4, False)]))
    expect_entries(played)
    # rate 2 per 1: two enter at 0 and 0.5; 3 waits from 0.75; 4 arrives at t=1, when the first slot frees for 3.
    played = play(kata, 2, 1.0, make_callers([(0, False), (2, True), (3, False), (4, False), (4, True)]))
    expect_entries(played)


@pytest.mark.category("correctness")
def test_cancelled_waiter_takes_no_slot(kata):
    """A waiter cancelled while it waits takes no slot and delays nobody: the callers behind it enter when they
    would have had it never come."""
    # rate 1 per 1: 1 enters at 0; 2 (cancelled at 0.375), 3, 4 (cancelled at 1.625) and 5 wait.
    callers = make_callers([(0, False), (1, False), (1, True), (2, False), (2, False)], cancels={1: 1, 3: 9})
    played = play(kata, 1, 1.0, callers)
    expect_entries(played)
    # The head of the queue cancelled as the others wait behind it, with rate 2.
    callers = make_callers([(0, False), (0, True), (1, False), (1, False), (2, True)], cancels={2: 3})
    played = play(kata, 2, 1.0, callers)
    expect_entries(played)


@pytest.mark.category("exceptions")
def test_cancelled_waiter_ends_cancelled_at_once(kata):
    """A waiter that is cancelled ends cancelled at that moment: its cancellation is neither swallowed (it must
    not enter after all) nor held until a slot frees."""
    callers = make_callers([(0, False), (1, False), (1, True), (2, False)], cancels={1: 1, 2: 3})
    played = play(kata, 1, 1.0, callers)
    expect_made(played)
    for caller in played.callers:
        if caller.cancel_at is None:
            continue
        outcome = caller.timed.outcome
        expect(
            outcome is not None and outcome.cancelled and abs(caller.timed.ended - caller.cancel_at) <= EPSILON,
            saw=played.setting(),
            expected=f"{caller.name} to end cancelled at {at(caller.cancel_at)}, the moment it was cancelled",
            mistake="the CancelledError was caught and the caller went on waiting, or entered: clean up, then "
            "re-raise it (a bare `raise`)"
            if outcome is not None and (outcome.returned or caller.timed.ended > caller.cancel_at + EPSILON)
            else None,
        )


@pytest.mark.category("concurrency")
def test_waiters_wake_only_when_a_slot_frees(kata):
    """Waiters are woken when a slot frees, never by polling: the limiter's loop wakes only at the moments an
    entry leaves the window (or a caller arrives)."""
    callers = make_callers([(0, False), (0, False), (0, True), (0, False), (2, False), (8, True)])
    played = play(kata, 2, 1.0, callers)
    expect_made(played)
    frees = {caller.entered + played.per for caller in played.callers if caller.entered is not None}
    moments = frees | {caller.arrives for caller in played.callers}
    needless = [when for when in played.scene.wakes if not any(abs(when - moment) <= EPSILON for moment in moments)]
    expect(
        not needless,
        saw=f"{played.setting()}; the limiter's event loop woke for a timer of its own at "
        + ", ".join(at(when) for when in needless[:8])
        + (" ..." if len(needless) > 8 else "")
        + f" ({len(needless)} time(s) when no slot freed)",
        expected="wake-ups only when a slot frees: at an entry's start + per ("
        + ", ".join(at(when) for when in sorted(frees))
        + ")",
        mistake=POLLING,
    )
    expect_entries(played)
    expect_no_leftover_tasks(played)


@pytest.mark.category("concurrency")
async def test_event_loop_stays_free(kata):
    """While callers wait for the window, the event loop keeps running other tasks."""
    made = await run(kata.RateLimiter.in_loop_thread(1, units(3)))
    expect(made.returned, saw=f"RateLimiter(1, 0.3): {made.describe()}", expected="a limiter")
    limiter = made.value
    # The second entry waits 0.3 s: a busy wait or time.sleep blocks the loop that long, 3x the stall bound.
    async with LoopWatch() as watch:
        first = await run(limiter.acquire())
        second = await run(limiter.acquire())
    expect(
        first.returned and second.returned,
        saw=f"first acquire(): {first.describe()}; second: {second.describe()}",
        expected="both to enter, the second 0.3 s after the first",
    )
    watch.expect_free()


@pytest.mark.category("exceptions")
async def test_block_never_suppresses(kata):
    """`async with limiter:` lets an exception raised in the block go on: leaving never suppresses it."""
    made = await run(kata.RateLimiter.in_loop_thread(2, 1.0))
    expect(made.returned, saw=f"RateLimiter(2, 1.0): {made.describe()}", expected="a limiter")
    limiter = made.value
    entered = await run(limiter.method("__aenter__")())
    expect(entered.returned, saw=f"async with limiter: {entered.describe()}", expected="to enter at once")
    left = await run(limiter.method("__aexit__")(LookupError("raised in the block")))
    expect(
        left.returned and not left.value,
        saw=f"leaving the block with LookupError raised in it: __aexit__ {left.describe()}",
        expected="__aexit__ to return None (or False): the block's exception goes on",
        mistake="__aexit__ returned something true, which tells Python to swallow the block's exception"
        if left.returned
        else "__aexit__ itself raised",
    )


@pytest.mark.category("exceptions")
@pytest.mark.parametrize(("rate", "per"), [(0, 1.0), (-1, 1.0), (1, 0.0), (2, -0.5)])
async def test_invalid_arguments(kata, rate, per):
    """`rate < 1` or `per <= 0`: RateLimiter raises ValueError."""
    made = await run(kata.RateLimiter.in_loop_thread(rate, per))
    expect(
        isinstance(made.error, ValueError),
        saw=f"RateLimiter({rate}, {per:g}): {made.describe()}",
        expected="ValueError",
        mistake="the arguments are not checked" if made.returned else None,
    )
