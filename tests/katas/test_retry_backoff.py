"""Hidden suite: retry_backoff.retry(op, attempts, base_delay, timeout).

Most checks run the learner's retry on a simulated clock (harness.scripted): sleeps and timeouts cost no real
time and every attempt's start and end are exact, so the backoff schedule and the timeouts are checked to the
microsecond with no wall-clock bound. The event loop's freedom is checked on the real loop.
"""

from dataclasses import dataclass, field

import pytest
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

from harness import LoopWatch, expect, run, same, seconds, short, units
from harness.checks import describe_error
from harness.inputs import text
from harness.scripted import ScriptedOp, Step, hangs, raises, returns, run_in_simulated_time

# Each example is a run of its own in the sandbox, a few round trips between two processes: on a loaded machine
# shrinking a failure (a hundred runs and more) would outlast the check's budget. The first failing example is
# shown as drawn; the @examples come first and are small already.
NO_SHRINKING = settings(phases=[Phase.explicit, Phase.generate])

# Simulated seconds: exact, so any tolerance only absorbs float rounding.
EPSILON = 1e-6
TIMEOUT = 4.0
SLOW = 3 * TIMEOUT  # an attempt that would succeed, long after its timeout


class Interrupt(BaseException):
    """Stands for KeyboardInterrupt or SystemExit, which would stop the test run itself if raised here."""


ERRORS = (ConnectionError, ValueError, OSError, TimeoutError, KeyError, RuntimeError)


def build(plan: list[tuple]) -> list[Step]:
    """The script from hypothesis's plan: ("fail", after), ("ok", after, value), ("hang",) or ("slow", value).
    Fresh exception objects every time, each naming its attempt."""
    script = []
    for number, spec in enumerate(plan, 1):
        kind = spec[0]
        if kind == "fail":
            error_type = ERRORS[number % len(ERRORS)]
            script.append(raises(error_type(f"attempt {number} failed"), after=spec[1]))
        elif kind == "ok":
            script.append(returns(spec[2], after=spec[1]))
        elif kind == "slow":
            script.append(returns(spec[1], after=SLOW))
        else:
            script.append(hangs())
    return script


@dataclass
class Expected:
    """What the contract says happens: each attempt's start, which ones time out, and how retry ends."""

    starts: list[float] = field(default_factory=list)
    timed_out: list[int] = field(default_factory=list)  # attempt numbers
    value: object = None
    error: BaseException | None = None  # None: returns value; TimeoutError class: the last attempt timed out
    ended_at: float = 0.0
    timeout: float = TIMEOUT

    @property
    def count(self) -> int:
        return len(self.starts)


def model(script: list[Step], attempts: int, base_delay: float, timeout: float) -> Expected:
    expected = Expected(timeout=timeout)
    now = 0.0
    for number in range(1, attempts + 1):
        step = script[number - 1]
        expected.starts.append(now)
        if step.after >= timeout:
            now += timeout
            expected.timed_out.append(number)
            expected.error = TimeoutError
        else:
            now += step.after
            if step.kind == "return":
                expected.error, expected.value, expected.ended_at = None, step.value, now
                return expected
            expected.error = step.error
        expected.ended_at = now
        if number < attempts:
            now += base_delay * 2 ** (number - 1)
    return expected


def setting(script: list[Step], attempts: int, base_delay: float, timeout: float) -> str:
    """The scenario in a learner's words."""
    steps = "; ".join(f"attempt {number} {step.describe()}" for number, step in enumerate(script[: attempts + 1], 1))
    return f"retry(op, attempts={attempts}, base_delay={base_delay:g}, timeout={timeout:g}), where {steps}"


def expect_not_stuck(outcome, op: ScriptedOp, scenario: str) -> None:
    hung = op.hung
    expect(
        not outcome.stuck,
        saw=f"{scenario}: {op.timeline()}; and {outcome.describe()}",
        expected="no attempt to run longer than the timeout",
        mistake=f"attempt {hung[-1].number} hangs and nothing gives up on it: limit each attempt with "
        "asyncio.timeout(timeout) or asyncio.wait_for(op(), timeout)"
        if hung
        else "waiting for something that never happens (a future never set, a task never started)",
    )


def foreign_timeout(outcome, op: ScriptedOp, timeout: float) -> bool:
    """A TimeoutError that is neither one of op's own nor the end of the last attempt, cancelled by its timeout."""
    raised = [step.error for step in op.script[: len(op.calls)] if step.kind == "raise"]
    last = op.calls[-1] if op.calls else None
    timed_out = last is not None and last.outcome == "cancelled" and abs(last.ended - last.started - timeout) <= EPSILON
    return (
        isinstance(outcome.error, TimeoutError)
        and not any(outcome.error is error for error in raised)
        and not timed_out
    )


WHOLE_TIMEOUT = (
    "a TimeoutError came while no attempt had run for `timeout` seconds: the timeout must limit each attempt "
    "alone, not the waits nor the whole retry"
)


def expect_count(outcome, op: ScriptedOp, expected: Expected, attempts: int, scenario: str) -> None:
    count = len(op.calls)
    if foreign_timeout(outcome, op, expected.timeout):
        mistake = WHOLE_TIMEOUT
    elif count > expected.count and expected.error is None:
        mistake = "a successful attempt's result must be returned at once, even a falsy one (None, 0, '')"
    elif count > expected.count:
        mistake = "more attempts than `attempts`: the loop runs one time too many"
    elif op.calls and op.calls[-1].outcome == "cancelled":
        mistake = (
            "a timed-out attempt ended the retries: its TimeoutError is a failure like any other, to retry "
            "(and each attempt gets a timeout of its own)"
        )
    elif count < expected.count and op.calls and op.calls[-1].outcome == "raised":
        error = op.script[count - 1].error
        mistake = (
            f"the retries stopped after attempt {count} raised {type(error).__name__}: every Exception "
            "(TimeoutError included) is a failure to retry, and there are `attempts` attempts in all "
            "(range(attempts - 1)?)"
        )
    elif count < attempts:
        mistake = "there are `attempts` attempts in all (range(attempts - 1)?)"
    else:
        mistake = None
    expect(
        count == expected.count,
        saw=f"{scenario}: op was called {count} time(s) ({op.timeline()}), and {outcome.on_the_clock()}",
        expected=f"{expected.count} attempt(s)",
        mistake=mistake,
    )


def expect_result(outcome, op: ScriptedOp, expected: Expected, scenario: str) -> None:
    """The first success's value, as it is; or the last attempt's exception, unchanged (TimeoutError if it
    timed out)."""
    failures = [step.error for step in op.script[: len(op.calls)] if step.kind == "raise"]
    if expected.error is None:
        good = outcome.returned and same(outcome.value, expected.value)
        want = f"the successful attempt's result, {short(expected.value)}"
        mistake = (
            "a falsy result (None, 0, '') was taken for a failure"
            if not expected.value and (outcome.error is not None or len(op.calls) > expected.count)
            else None
        )
    else:
        good = (
            outcome.error is expected.error
            if isinstance(expected.error, BaseException)
            else (isinstance(outcome.error, TimeoutError) and not any(outcome.error is failure for failure in failures))
        )
        want = (
            f"the last attempt's exception, {describe_error(expected.error)}, raised as it is"
            if isinstance(expected.error, BaseException)
            else "TimeoutError: the last attempt timed out"
        )
        if foreign_timeout(outcome, op, expected.timeout):
            mistake = WHOLE_TIMEOUT
        elif outcome.returned:
            mistake = "after the last failure the loop ended and returned: raise the last exception"
        elif isinstance(outcome.error, BaseExceptionGroup):
            mistake = "the failures were wrapped in an exception group: raise the last one as it is"
        elif failures and outcome.error is failures[0] and len(failures) > 1:
            mistake = "the first failure's exception was raised: it must be the last attempt's"
        elif any(outcome.error is failure for failure in failures):
            mistake = "an earlier attempt's exception was raised: it must be the last attempt's"
        else:
            mistake = "the exception was replaced by another one (raise ... from ... is fine, but raise the original)"
    expect(good, saw=f"{scenario}: {outcome.on_the_clock()}", expected=want, mistake=mistake)


def expect_schedule(op: ScriptedOp, expected: Expected, base_delay: float, scenario: str) -> None:
    """Each attempt starts when the contract says: at once, then the backoff after each failure."""
    for attempt, start in zip(op.calls, expected.starts, strict=False):
        if abs(attempt.started - start) <= EPSILON:
            continue
        number = attempt.number
        if number == 1:
            expect(
                False,
                saw=f"{scenario}: attempt 1 started at {seconds(attempt.started)}",
                expected="the first attempt at once",
                mistake="a wait before the first attempt",
            )
        before = op.calls[number - 2]
        failure = number - 1  # the k-th failure precedes attempt k + 1
        due = base_delay * 2 ** (failure - 1)
        if before.ended is None:
            expect(
                False,
                saw=f"{scenario}: attempt {number} started at {seconds(attempt.started)}, while attempt "
                f"{number - 1} was still running",
                expected="one attempt at a time",
                mistake="a timed-out attempt must be cancelled (and count as a failure) before the next one",
            )
        wait = attempt.started - before.ended
        if abs(wait) <= EPSILON:
            mistake = "no wait between attempts: await asyncio.sleep(...) after each failure"
        elif abs(wait - 2 * due) <= EPSILON:
            mistake = "each wait is twice too long: the wait after the first failure is base_delay itself (2 ** 0 == 1)"
        elif abs(2 * wait - due) <= EPSILON:
            mistake = "each wait is half as long as it should be: after the k-th failure wait base_delay * 2 ** (k - 1)"
        elif abs(wait - base_delay) <= EPSILON:
            mistake = "the wait does not grow: it doubles after each failure (base_delay * 2 ** (k - 1))"
        elif abs(wait - base_delay * failure) <= EPSILON:
            mistake = "the wait grows by base_delay each time: it must double instead (base_delay * 2 ** (k - 1))"
        else:
            mistake = "the wait after the k-th failure is base_delay * 2 ** (k - 1) seconds, counted from that failure"
        expect(
            False,
            saw=f"{scenario}: attempt {number - 1} failed at {seconds(before.ended)} and attempt {number} started "
            f"{seconds(wait)} later ({op.timeline()})",
            expected=f"a wait of {seconds(due)} after failure number {failure}: base_delay * 2 ** {failure - 1}",
            mistake=mistake,
        )


def expect_no_leaks(outcome, scenario: str) -> None:
    expect(
        outcome.leaked == 0,
        saw=f"{scenario}: {outcome.leaked} task(s) still running after retry ended",
        expected="every task retry started to have finished or been cancelled",
        mistake="an attempt run in a task (create_task, or wrapped by asyncio.wait or shield) was left running",
    )


# --- hypothesis: scripts of attempts -----------------------------------------------------------------------

values = st.one_of(st.none(), st.integers(-1, 1), text(2))


@st.composite
def scenarios(draw, kinds, durations, base_delays):
    """attempts, base_delay and a plan with one step per attempt, plus a success beyond the last one (so an extra
    attempt shows)."""
    attempts = draw(st.integers(1, 5))
    base_delay = draw(st.sampled_from(base_delays))
    plan = []
    for _ in range(attempts):
        kind = draw(st.sampled_from(kinds))
        if kind == "fail":
            plan.append(("fail", draw(st.sampled_from(durations))))
        elif kind == "ok":
            plan.append(("ok", draw(st.sampled_from(durations)), draw(values)))
        elif kind == "slow":
            plan.append(("slow", draw(values)))
        else:
            plan.append(("hang",))
    plan.append(("ok", 0.0, "one attempt too many"))
    return attempts, base_delay, plan


def play(kata, attempts: int, base_delay: float, plan: list[tuple]):
    script = build(plan)
    op = ScriptedOp(script)
    outcome = run_in_simulated_time(kata.retry(op, attempts, base_delay, TIMEOUT))
    return op, outcome, model(script, attempts, base_delay, TIMEOUT), setting(script, attempts, base_delay, TIMEOUT)


@pytest.mark.category("correctness")
@NO_SHRINKING
@given(scenarios(kinds=["fail", "fail", "ok"], durations=[0.0, 0.5], base_delays=[0.0, 0.5]))
@example((1, 0.0, [("fail", 0.0), ("ok", 0.0, "one attempt too many")]))
@example((3, 0.0, [("fail", 0.0), ("fail", 0.0), ("ok", 0.0, None), ("ok", 0.0, "one attempt too many")]))
@example((3, 0.5, [("fail", 0.0), ("fail", 0.5), ("fail", 0.0), ("ok", 0.0, "one attempt too many")]))
@example((2, 0.0, [("ok", 0.0, 0), ("ok", 0.0, "second"), ("ok", 0.0, "one attempt too many")]))
def test_result_or_last_error(kata, scenario):
    """The first success's result as it is (even None or 0), or the last attempt's exception; never an extra attempt."""
    attempts, base_delay, plan = scenario
    op, outcome, expected, words = play(kata, attempts, base_delay, plan)
    expect_not_stuck(outcome, op, words)
    expect_count(outcome, op, expected, attempts, words)
    expect_result(outcome, op, expected, words)


@pytest.mark.category("correctness")
@NO_SHRINKING
@given(scenarios(kinds=["fail", "fail", "fail", "ok"], durations=[0.0, 0.5, 1.5], base_delays=[0.25, 1.0, 3.0]))
@example(
    (4, 1.0, [("fail", 0.0), ("fail", 0.0), ("fail", 0.0), ("ok", 0.0, "ok"), ("ok", 0.0, "one attempt too many")])
)
@example((3, 1.0, [("fail", 0.5), ("fail", 1.5), ("fail", 0.0), ("ok", 0.0, "one attempt too many")]))
def test_backoff_schedule(kata, scenario):
    """After the k-th failure, a wait of base_delay * 2 ** (k - 1) from that failure; none after the last attempt."""
    attempts, base_delay, plan = scenario
    op, outcome, expected, words = play(kata, attempts, base_delay, plan)
    expect_not_stuck(outcome, op, words)
    expect_schedule(op, expected, base_delay, words)
    expect_count(outcome, op, expected, attempts, words)
    expect(
        abs(outcome.elapsed - expected.ended_at) <= EPSILON,
        saw=f"{words}: the last attempt ended at {seconds(expected.ended_at)}, and {outcome.on_the_clock()}",
        expected=f"retry to end as the last attempt does, at {seconds(expected.ended_at)}",
        mistake="a wait after the last attempt: when no attempt remains, raise at once"
        if outcome.elapsed > expected.ended_at
        else None,
    )
    expect_result(outcome, op, expected, words)


@pytest.mark.category("timeout")
@NO_SHRINKING
@given(scenarios(kinds=["hang", "slow", "fail", "ok"], durations=[0.0, 0.5], base_delays=[0.0, 1.0]))
@example((1, 0.0, [("hang",), ("ok", 0.0, "one attempt too many")]))
@example((2, 1.0, [("hang",), ("ok", 0.5, "second"), ("ok", 0.0, "one attempt too many")]))
@example((3, 1.0, [("slow", "late"), ("fail", 0.5), ("hang",), ("ok", 0.0, "one attempt too many")]))
def test_slow_attempts_time_out(kata, scenario):
    """An attempt still running after `timeout` is cancelled then and retried; if it was the last: TimeoutError."""
    attempts, base_delay, plan = scenario
    op, outcome, expected, words = play(kata, attempts, base_delay, plan)
    expect_not_stuck(outcome, op, words)
    for attempt in op.calls[: expected.count]:
        if attempt.number not in expected.timed_out:
            continue
        due = attempt.started + TIMEOUT
        if attempt.outcome == "left running":
            mistake = "the attempt was given up on but not cancelled (asyncio.wait with a timeout does not cancel)"
        elif attempt.outcome != "cancelled":
            mistake = (
                "no timeout is applied to the attempt: asyncio.timeout(timeout) or asyncio.wait_for(op(), timeout)"
            )
        elif attempt.ended < due:
            mistake = "the timeout covers more than the attempt (one timeout around every attempt, or the waits too?)"
        else:
            mistake = "the attempt was cancelled late: it must be cancelled when its timeout expires"
        expect(
            attempt.outcome == "cancelled" and abs(attempt.ended - due) <= EPSILON,
            saw=f"{words}: {attempt.describe()}",
            expected=f"attempt {attempt.number} cancelled {seconds(TIMEOUT)} after it started, at {seconds(due)}",
            mistake=mistake,
        )
    expect_count(outcome, op, expected, attempts, words)
    expect_result(outcome, op, expected, words)
    expect_no_leaks(outcome, words)


# --- fixed scenarios -----------------------------------------------------------------------------------------


@pytest.mark.category("correctness")
def test_attempts_below_one_raise_value_error(kata):
    """attempts = 0 or -1: ValueError, and op is never called."""
    for attempts in (0, -1):
        op = ScriptedOp([returns("ok")])
        outcome = run_in_simulated_time(kata.retry(op, attempts, 1.0, TIMEOUT))
        expect(
            isinstance(outcome.error, ValueError) and not op.calls,
            saw=f"retry(op, attempts={attempts}, ...): op called {len(op.calls)} time(s), and {outcome.describe()}",
            expected="ValueError, before any call of op",
            mistake="the attempts are not checked first: `if attempts < 1: raise ValueError(...)`",
        )


@pytest.mark.category("exceptions")
def test_last_error_propagates_unchanged(kata):
    """Three attempts fail with three different errors: the third one comes out, that very object."""
    script = [
        raises(ConnectionError("refused")),
        raises(KeyError("gone")),
        raises(ValueError("bad reply")),
        returns("one attempt too many"),
    ]
    op = ScriptedOp(script)
    outcome = run_in_simulated_time(kata.retry(op, 3, 1.0, TIMEOUT))
    words = setting(script, 3, 1.0, TIMEOUT)
    expect_not_stuck(outcome, op, words)
    expect_result(outcome, op, model(script, 3, 1.0, TIMEOUT), words)


@pytest.mark.category("exceptions")
def test_base_exception_propagates_at_once(kata):
    """A BaseException that is not an Exception (like KeyboardInterrupt) propagates at once, with no retry."""
    interrupt = Interrupt("stop")
    script = [raises(interrupt), returns("retried"), returns("retried")]
    op = ScriptedOp(script)
    outcome = run_in_simulated_time(kata.retry(op, 3, 1.0, TIMEOUT))
    words = setting(script, 3, 1.0, TIMEOUT)
    expect(
        outcome.error is interrupt and len(op.calls) == 1 and outcome.elapsed <= EPSILON,
        saw=f"{words}: op called {len(op.calls)} time(s), and {outcome.on_the_clock()}",
        expected="that BaseException, raised at once (at 0.00 s), after one attempt",
        mistake="a bare except: or except BaseException: treats it as a failure: only Exception is retried",
    )


@pytest.mark.category("exceptions")
def test_cancelled_during_attempt_is_not_retried(kata):
    """Cancelled during an attempt: retry ends cancelled at once, the attempt is cancelled, no other starts."""
    script = [hangs(), returns("retried"), returns("retried")]
    op = ScriptedOp(script)
    outcome = run_in_simulated_time(kata.retry(op, 3, 1.0, 10.0), cancel_at=2.0)
    words = setting(script, 3, 1.0, 10.0) + "; retry cancelled at 2.00 s"
    expect(
        outcome.cancelled and abs(outcome.elapsed - 2.0) <= EPSILON,
        saw=f"{words}: {outcome.on_the_clock()}",
        expected="it ends cancelled, at once (at 2.00 s): asyncio.CancelledError goes on up",
        mistake="CancelledError was caught as a failure (a bare except:, except BaseException:, or a "
        "CancelledError turned into TimeoutError) and retried",
    )
    states = [attempt.outcome for attempt in op.calls]
    expect(
        states == ["cancelled"] and abs(op.calls[0].ended - 2.0) <= EPSILON,
        saw=f"{words}: {op.timeline()}",
        expected="attempt 1 cancelled at 2.00 s, and no attempt after it",
        mistake="the attempt was left running when retry was cancelled: cancel its task too (asyncio.timeout "
        "and wait_for do it for you)"
        if states[:1] == ["left running"]
        else "the cancellation was retried: let CancelledError propagate",
    )
    expect_no_leaks(outcome, words)


@pytest.mark.category("exceptions")
def test_cancelled_during_backoff_stops(kata):
    """Cancelled while waiting between attempts: retry ends cancelled at once and no further attempt starts."""
    script = [raises(ConnectionError("refused"), after=1.0), returns("retried"), returns("retried")]
    op = ScriptedOp(script)
    outcome = run_in_simulated_time(kata.retry(op, 3, 5.0, 10.0), cancel_at=3.0)
    words = setting(script, 3, 5.0, 10.0) + "; retry cancelled at 3.00 s, during the wait after attempt 1"
    early = [attempt for attempt in op.calls[1:] if attempt.started < 3.0]
    expect(
        not early,
        saw=f"{words}: {op.timeline()}",
        expected="a wait of 5.00 s after attempt 1 failed at 1.00 s, so no second attempt before the cancellation",
        mistake="no wait (or too short a wait) between attempts: wait base_delay * 2 ** (k - 1) after the k-th failure",
    )
    expect(
        outcome.cancelled and abs(outcome.elapsed - 3.0) <= EPSILON and len(op.calls) == 1,
        saw=f"{words}: {op.timeline()}; and {outcome.on_the_clock()}",
        expected="it ends cancelled, at once (at 3.00 s), with no second attempt",
        mistake="the cancellation of the wait was caught (a bare except:, or except BaseException:) and the "
        "retries went on",
    )
    expect_no_leaks(outcome, words)


@pytest.mark.category("concurrency")
async def test_event_loop_stays_free(kata):
    """While it waits between attempts, the event loop keeps running other tasks."""
    op = ScriptedOp([raises(ConnectionError("refused")), returns("ok")])
    async with LoopWatch() as watch:
        outcome = await run(kata.retry(op, 3, units(2), units(10)))
    expect(
        outcome.returned and outcome.value == "ok",
        saw=f"attempt 1 failed, attempt 2 returned 'ok': {outcome.describe()}",
        expected="'ok'",
    )
    # A blocking wait of 0.2 s is 2x the stall bound (and never shorter, whatever the load); time.sleep is caught
    # whatever its length.
    watch.expect_free()
