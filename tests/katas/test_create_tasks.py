"""Hidden suite: create_tasks.run_both(first, second)."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from harness import (
    AtEnd,
    FakeFetch,
    LoopErrors,
    Stopwatch,
    expect,
    expect_no_leaked_tasks,
    run,
    same,
    seconds,
    settle,
    short,
    units,
)
from harness.tasks import Rendezvous

# A few strings rather than st.text(): hypothesis builds a table of every unicode character the first time text is
# generated, seconds on a loaded machine, inside the check's time.
WORDS = ["", "a", "two words", "é✓"]
values = st.one_of(st.none(), st.integers(), st.sampled_from(WORDS), st.lists(st.integers(), max_size=3))


def _wrapped_mistake(outcome) -> str | None:
    if isinstance(outcome.error, BaseExceptionGroup):
        return (
            "a TaskGroup's ExceptionGroup came out as it is: catch it (except* Exception) and raise the "
            "task's own error"
        )
    if outcome.returned:
        return "the failure was caught and swallowed (or returned) instead of raised"
    return None


@pytest.mark.category("correctness")
@given(st.integers(0, 6), st.integers(0, 6), values, values)
@example(5, 0, "one", "two")
@example(0, 5, "one", "two")
async def test_returns_both_results_in_order(kata, first_delay, second_delay, first_value, second_value):
    """Returns the tuple (result of first, result of second), whichever finishes first; each is called once."""
    results = {"first": first_value, "second": second_value}
    fake = FakeFetch(delays={"first": first_delay, "second": second_delay}, ticks=True, results=results.get)
    outcome = await run(kata.run_both(fake.caller("first"), fake.caller("second")))
    value = outcome.value
    right = (
        isinstance(value, tuple) and len(value) == 2 and same(value[0], first_value) and same(value[1], second_value)
    )
    if not outcome.returned or right:
        mistake = None
    elif isinstance(value, list):
        mistake = "asyncio.gather returns a list: turn it into a tuple"
    elif isinstance(value, tuple) and len(value) == 2 and same(value[0], second_value) and same(value[1], first_value):
        mistake = "the results are swapped, or in the order the calls finished: first's result comes first"
    else:
        mistake = None
    expect(
        outcome.returned and right,
        saw=f"first returns {short(first_value)} after {first_delay} loop turn(s), second returns "
        f"{short(second_value)} after {second_delay}; {outcome.describe()}",
        expected=f"the tuple {short((first_value, second_value))}",
        mistake=mistake,
    )
    expect(
        sorted(fake.keys) == ["first", "second"],
        saw=f"calls made: {short(fake.keys)}",
        expected="first() called once and second() called once",
    )


@pytest.mark.category("concurrency")
async def test_both_run_at_once(kata):
    """first and second run at the same time: about as long as the slower one, not their sum."""
    # Each call first waits (at most 0.5 s) until both are running, then takes 0.1 s. At the same time: 0.1 s;
    # one after the other: each waits out its 0.5 s alone, 1.2 s in all. The bound, 0.4 s, is 4x the one and 3x
    # short of the other; `met` (the peak counter) says exactly whether both were running at once.
    fake = Rendezvous(2, patience=units(5), delay=units(1))
    with Stopwatch() as watch:
        outcome = await run(kata.run_both(fake.caller("first"), fake.caller("second")))
    expect(outcome.returned, saw=outcome.describe(), expected="a tuple of the two results")
    expect(
        fake.met and watch.elapsed <= units(4),
        saw=f"first and second took {seconds(watch.elapsed)} in all, and at most {fake.peak} ran at a time",
        expected=f"both running at once, done in under {seconds(units(4))}",
        mistake="second was only started once first had finished: `await first()` waits for it to end. Start "
        "both as tasks (asyncio.create_task) before awaiting either, or use asyncio.gather"
        if not fake.met
        else "both started, but something kept the result back (a blocking call, or a needless wait?)",
    )


@pytest.mark.category("exceptions")
async def test_failure_propagates_unchanged(kata):
    """If one of the two raises, that very exception comes out of run_both, not wrapped."""
    for failing, other in (("first", "second"), ("second", "first")):
        failure = LookupError(f"{failing} failed")
        fake = FakeFetch(delays={failing: units(1), other: units(3)}, errors={failing: failure})
        outcome = await run(kata.run_both(fake.caller("first"), fake.caller("second")))
        expect(
            outcome.error is failure,
            saw=f"{failing} raised {short(failure)} while {other} was still running; {outcome.describe()}",
            expected="that very exception, raised as it is",
            mistake=_wrapped_mistake(outcome),
        )


@pytest.mark.category("exceptions")
async def test_other_task_is_cancelled_after_a_failure(kata):
    """If one of the two raises, the other is cancelled, and has finished, before run_both raises."""
    for failing, other in (("first", "second"), ("second", "first")):
        failure = LookupError(f"{failing} failed")
        # The failure comes at 0.1 s; the other call would go on until 1 s: only a loop stalled for 0.9 s could
        # let it end by itself before run_both has seen the failure.
        fake = FakeFetch(delays={failing: units(1), other: units(10)}, errors={failing: failure})
        at_end = AtEnd(fake)
        outcome = await run(at_end.watch(kata.run_both(fake.caller("first"), fake.caller("second"))))
        state = at_end.outcome(other)
        expect(
            state == "cancelled",
            saw=f"{failing} raised after {seconds(units(1))}; when run_both ended ({outcome.describe()}), {other} was "
            + {
                "running": "still running",
                "returned": f"not cancelled: it had run on to its end ({seconds(units(10))})",
                "not called": "never called",
            }.get(state, state),
            expected=f"{other} cancelled, and finished, before run_both raises",
            mistake={
                "running": "the other task was left running (asyncio.gather and asyncio.wait do not cancel the "
                "rest when one fails), or cancelled but not awaited: cancel it, then await it (gather it with "
                "return_exceptions=True) before raising",
                "returned": f"run_both waited for {other} to finish before it raised {failing}'s error (tasks "
                "awaited one after the other, or asyncio.wait for all of them): wait until either fails "
                "(asyncio.gather raises at the first failure), then cancel the other",
                "not called": f"{other} was never started: first was awaited before second was even created. Start "
                "both (asyncio.create_task) before awaiting either",
            }.get(state),
        )
        await expect_no_leaked_tasks(after=f"run_both raised {failing}'s error")


@pytest.mark.category("exceptions")
async def test_no_failure_left_unretrieved(kata):
    """Both raise at the same moment: one of the two errors comes out as it is, and none is left unretrieved."""
    failures = {"first": ValueError("first failed"), "second": KeyError("second failed")}
    fake = FakeFetch(delay=2, ticks=True, errors=failures)
    async with LoopErrors() as loop_errors:
        outcome = await run(kata.run_both(fake.caller("first"), fake.caller("second")))
        await settle(10)  # both calls have ended, whatever run_both did with them
    expect(
        any(outcome.error is failure for failure in failures.values()),
        saw=f"both raised ({short(failures['first'])} and {short(failures['second'])}); {outcome.describe()}",
        expected="one of the two exceptions, raised as it is",
        mistake=_wrapped_mistake(outcome),
    )
    loop_errors.expect_none()
