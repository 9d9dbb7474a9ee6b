"""Hidden suite: gather_results.fetch_all(fetch, keys)."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from harness import FakeFetch, LoopErrors, LoopWatch, Stopwatch, expect, run, settle, short, units
from harness.checks import expect_one_result_per_input
from harness.inputs import text

# (key, delay in loop iterations): keys repeat, finish in every order, and include unicode.
keyed_delays = st.lists(st.tuples(text(3), st.integers(0, 6)), max_size=8)


@pytest.mark.category("correctness")
@given(keyed_delays)
@example([("slow", 6), ("fast", 0), ("middle", 3)])
async def test_results_in_key_order(kata, pairs):
    """Each key is fetched once per occurrence and the results come back in key order."""
    keys = [key for key, _ in pairs]
    fake = FakeFetch(delays=dict(pairs), ticks=True)
    outcome = await run(kata.fetch_all(fake, keys))
    expect_one_result_per_input(outcome, fake, keys, noun="key", function="fetch")


@pytest.mark.category("correctness")
async def test_no_keys_gives_empty_list(kata):
    """No keys: returns [] and calls nothing."""
    fake = FakeFetch()
    outcome = await run(kata.fetch_all(fake, []))
    expect(
        outcome.returned and outcome.value == [] and not fake.calls,
        saw=f"{outcome.describe()}, with {len(fake.calls)} fetch call(s)",
        expected="an empty list, and no call of fetch",
    )


@pytest.mark.category("concurrency")
async def test_all_fetches_run_at_once(kata):
    """Ten fetches of 0.1 s run at the same time: about 0.1 s in all, not 1 s."""
    fake = FakeFetch(delay=units(1))
    keys = [f"key-{index}" for index in range(10)]
    with Stopwatch() as watch:
        outcome = await run(kata.fetch_all(fake, keys))
    expect(outcome.returned, saw=outcome.describe(), expected="a list of ten results")
    # Ideal 0.1 s, sequential 1.0 s: the bound is 4x the one and 2.5x short of the other.
    fake.expect_all_at_once(len(keys), watch.elapsed, bound=units(4))


@pytest.mark.category("concurrency")
async def test_event_loop_stays_free(kata):
    """While the fetches wait, the event loop keeps running other tasks."""
    fake = FakeFetch(delay=units(3))
    async with LoopWatch() as watch:
        await run(kata.fetch_all(fake, ["a", "b", "c", "d", "e"]))
    watch.expect_free()


@pytest.mark.category("exceptions")
async def test_failure_propagates_unchanged(kata):
    """A fetch that raises: that very exception comes out of fetch_all, not wrapped and not returned."""
    failure = LookupError("no such key: 'b'")
    fake = FakeFetch(errors={"b": failure})
    outcome = await run(kata.fetch_all(fake, ["a", "b", "c"]))
    if isinstance(outcome.error, BaseExceptionGroup):
        mistake = "a TaskGroup's ExceptionGroup came out as it is: catch it (except*) and raise the fetch's own error"
    elif outcome.returned:
        mistake = "the failure was returned in the list (return_exceptions=True?) or swallowed"
    else:
        mistake = "the exception was replaced by another one"
    expect(
        outcome.error is failure,
        saw=outcome.describe(),
        expected=f"the fetch's own exception, {short(failure)}, raised as it is",
        mistake=mistake,
    )


@pytest.mark.category("exceptions")
async def test_no_failure_left_unretrieved(kata):
    """Two fetches fail at different times: one error propagates and none is left unretrieved in a task."""
    failures = {"first": ValueError("first failed"), "second": KeyError("second failed")}
    fake = FakeFetch(delays={"first": 1, "second": 4, "slow": 8}, errors=failures, ticks=True)
    async with LoopErrors() as loop_errors:
        outcome = await run(kata.fetch_all(fake, ["first", "second", "slow"]))
        await settle(20)  # every fetch has finished or been cancelled
    expect(
        any(outcome.error is failure for failure in failures.values()),
        saw=outcome.describe(),
        expected="one of the fetches' own exceptions, raised as it is",
    )
    loop_errors.expect_none()
