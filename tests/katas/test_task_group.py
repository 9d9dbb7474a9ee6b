"""Hidden suite: task_group.fetch_all_or_nothing(fetch, keys)."""

import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from harness import (
    AtEnd,
    FakeFetch,
    KataCall,
    LoopErrors,
    LoopWatch,
    Stopwatch,
    expect,
    expect_no_leaked_tasks,
    leaves,
    run,
    seconds,
    settle,
    short,
    units,
)
from harness.checks import expect_one_result_per_input, swallowed
from harness.fakes import describe_outcomes
from harness.inputs import text

# (key, delay in loop iterations): keys repeat, finish in every order, and include unicode. A small alphabet: the
# full text strategy builds hypothesis's unicode table first, seconds on a loaded machine with a cold cache.
keyed_delays = st.lists(st.tuples(text(3), st.integers(0, 6)), max_size=8)
# (delay in loop iterations, fails?) per fetch, at least one failing: failures alone, together, early and late.
failure_patterns = st.lists(st.tuples(st.integers(0, 6), st.booleans()), min_size=1, max_size=6).filter(
    lambda pattern: any(fails for _, fails in pattern)
)
WAITED_FOR_THE_OTHERS = (
    "the failure was acted on only once other fetches had finished (tasks awaited one by one in key order, "
    "gather with return_exceptions=True, asyncio.wait for all): cancel the others as soon as one fails "
    "(a TaskGroup does)"
)


def not_a_group_mistake(error, failures) -> str | None:
    if any(error is failure for failure in failures):
        return (
            "the fetch's exception came out bare, not inside an ExceptionGroup: asyncio.gather raises it so, and "
            "so does taking it out of a TaskGroup's group (except* ... raise): let the group out as it is"
        )
    if error is None:
        return "the failure was swallowed or returned in the list"
    return None


@pytest.mark.category("correctness")
@given(keyed_delays)
@example([("slow", 6), ("fast", 0), ("middle", 3)])
async def test_results_in_key_order(kata, pairs):
    """Each key is fetched once per occurrence and the results come back in key order."""
    keys = [key for key, _ in pairs]
    fake = FakeFetch(delays=dict(pairs), ticks=True)
    outcome = await run(kata.fetch_all_or_nothing(fake, keys))
    expect_one_result_per_input(outcome, fake, keys, noun="key", function="fetch")


@pytest.mark.category("correctness")
async def test_no_keys_gives_empty_list(kata):
    """No keys: returns [] and calls nothing."""
    fake = FakeFetch()
    outcome = await run(kata.fetch_all_or_nothing(fake, []))
    expect(
        outcome.returned and outcome.value == [] and not fake.calls,
        saw=f"{outcome.describe()}, with {len(fake.calls)} fetch call(s)",
        expected="an empty list, and no call of fetch",
        mistake="asyncio.wait raises ValueError when given no tasks: return [] before calling it"
        if isinstance(outcome.error, ValueError)
        else None,
    )


@pytest.mark.category("concurrency")
async def test_all_fetches_run_at_once(kata):
    """Ten fetches of 0.1 s run at the same time: about 0.1 s in all, not 1 s."""
    fake = FakeFetch(delay=units(1))
    keys = [f"key-{index}" for index in range(10)]
    with Stopwatch() as watch:
        outcome = await run(kata.fetch_all_or_nothing(fake, keys))
    expect(outcome.returned, saw=outcome.describe(), expected="a list of ten results")
    # Ideal 0.1 s, sequential 1.0 s: the bound is 4x the one and 2.5x short of the other.
    fake.expect_all_at_once(len(keys), watch.elapsed, bound=units(4))


@pytest.mark.category("concurrency")
async def test_event_loop_stays_free(kata):
    """While the fetches wait, the event loop keeps running other tasks."""
    # Each fetch ends three turns of the loop after it starts: at once for code that awaits them, never for code
    # that holds the loop meanwhile (a busy wait), which stalls it for the rest of the check.
    fake = FakeFetch(delay=3, ticks=True)
    async with LoopWatch() as watch:
        await run(kata.fetch_all_or_nothing(fake, ["a", "b", "c"]))
    watch.expect_free()


@pytest.mark.category("exceptions")
async def test_failure_comes_in_an_exception_group(kata):
    """A fetch that raises: an ExceptionGroup comes out, holding that very exception and nothing else."""
    failure = LookupError("no such key: 'b'")
    fake = FakeFetch(delays={"a": 3, "b": 1, "c": 3}, errors={"b": failure}, ticks=True)
    outcome = await run(kata.fetch_all_or_nothing(fake, ["a", "b", "c"]))
    held = leaves(outcome.error)
    expect(
        isinstance(outcome.error, ExceptionGroup) and len(held) == 1 and held[0] is failure,
        saw=f"fetch('b') raised {short(failure)}, and {outcome.describe()}"
        + (f", holding {short(held)}" if held else ""),
        expected=f"an ExceptionGroup holding that very exception, {short(failure)}, and nothing else",
        mistake=not_a_group_mistake(outcome.error, [failure])
        or (
            "the group holds something besides the fetch's own exception (a CancelledError? a copy?)" if held else None
        ),
    )


@pytest.mark.category("exceptions")
@given(failure_patterns)
@example([(2, True), (2, True), (12, False)])  # two fail in the same turn, one is cancelled
@example([(0, True), (3, True), (3, False), (1, True)])
async def test_group_holds_every_failure(kata, pattern):
    """Whichever fetches fail, and when: the ExceptionGroup holds the exception of every fetch that raised
    (the very objects) and nothing else."""
    keys = [f"k{index}" for index in range(len(pattern))]
    errors = {key: ValueError(f"{key} failed") for key, (_, fails) in zip(keys, pattern, strict=False) if fails}
    fake = FakeFetch(
        delays={key: ticks for key, (ticks, _) in zip(keys, pattern, strict=False)}, errors=errors, ticks=True
    )
    outcome = await run(kata.fetch_all_or_nothing(fake, keys))
    raised = [errors[call.key] for call in fake.calls if call.outcome == "raised"]
    held = leaves(outcome.error)
    missing = [error for error in raised if not any(error is other for other in held)]
    extra = [error for error in held if not any(error is other for other in raised)]
    if not isinstance(outcome.error, ExceptionGroup):
        mistake = not_a_group_mistake(outcome.error, raised)
    elif missing and not extra:
        mistake = (
            "only some of the failures are in the group: every fetch that raised belongs in it, also one "
            "that failed at the same moment (collect the exception of every task that failed)"
        )
    elif any(type(error).__name__ == "CancelledError" for error in extra):
        mistake = "the cancelled fetches' CancelledError ended up in the group: it holds only real failures"
    else:
        mistake = "the group holds new exception objects, not the fetches' own ones"
    expect(
        isinstance(outcome.error, ExceptionGroup) and not missing and not extra and len(held) == len(raised),
        saw=f"fetches {short(list(errors))} set to fail, of which these raised: {short(raised)}; "
        f"and {outcome.describe()}" + (f", holding {short(held)}" if held else ""),
        expected=f"an ExceptionGroup holding exactly {short(raised)}, in any order",
        mistake=mistake,
    )


@pytest.mark.category("exceptions")
async def test_no_failure_left_unretrieved(kata):
    """Two fetches fail at the same moment: neither exception is left unretrieved in its task."""
    failures = {"first": ValueError("first failed"), "second": KeyError("second failed")}
    fake = FakeFetch(delays={"first": 2, "second": 2, "slow": 100}, errors=failures, ticks=True)
    async with LoopErrors() as loop_errors:
        outcome = await run(kata.fetch_all_or_nothing(fake, ["first", "second", "slow"]))
    expect(
        outcome.error is not None,
        saw=outcome.describe(),
        expected="an ExceptionGroup of the two failures",
        mistake="the failures were swallowed",
    )
    expect(
        not loop_errors.messages,
        saw="the event loop reported: " + "; ".join(loop_errors.messages),
        expected="the exception of every fetch that failed retrieved, and put in the ExceptionGroup",
        mistake="a fetch that failed at the same moment as another was dropped, its task's exception never "
        "retrieved: take task.exception() of every task that failed and put it in the group (a TaskGroup does both)",
    )


@pytest.mark.category("exceptions")
async def test_cancelling_the_call_cancels_every_fetch(kata):
    """Cancelled while fetching: every fetch is cancelled and has ended before the call ends, cancelled."""
    fake = FakeFetch(delay=math.inf)
    keys = ["a", "b", "c", "d"]
    at_end = AtEnd(fake)
    call = KataCall(at_end.watch(kata.fetch_all_or_nothing(fake, keys)))
    await call.until_called(fake)
    await settle()  # every fetch started together gets going
    call.cancel()
    outcome = await call.outcome()
    expect(
        outcome.cancelled,
        saw=f"cancelled while fetching, {outcome.describe()}",
        expected="it ends cancelled: asyncio.CancelledError goes on up, once every fetch has ended",
        mistake=swallowed(
            outcome,
            "CancelledError was caught (a bare except:, except BaseException:, or except* CancelledError) "
            "and turned into something else: after cleaning up, re-raise it",
        ),
    )
    expect(
        not at_end.running_keys and all(call.outcome == "cancelled" for call in fake.calls),
        saw=f"when the call ended cancelled, the fetches of {short(at_end.running_keys)} were still running",
        expected="every fetch cancelled, and ended, before the call ends",
        mistake="cancelling the call does not reach the tasks it started (tasks from create_task, and asyncio.wait, "
        "leave them running), or they were cancelled but not awaited: in an except or finally, cancel them and "
        "await them; a TaskGroup does it for you",
    )
    await expect_no_leaked_tasks(after="the call was cancelled")


@pytest.mark.category("timeout")
async def test_failure_cancels_the_others(kata):
    """A fetch fails: every other fetch still running is cancelled, and has ended before the call raises."""
    failure = ConnectionError("connection reset")
    # The others take real time, not loop iterations: the failure travels to the learner's loop and its
    # cancellations back, a round trip of milliseconds that the judge's loop turns any number of times meanwhile.
    # 0.5 s is a hundred times that; the call record (cancelled, not returned) is the instrument.
    others_take = units(5)
    fake = FakeFetch(delay=others_take, delays={"bad": 0}, errors={"bad": failure})
    keys = ["a", "b", "bad", "c", "d"]
    at_end = AtEnd(fake)
    outcome = await run(at_end.watch(kata.fetch_all_or_nothing(fake, keys)))
    await settle()
    others = [call for call in fake.calls if call.key != "bad"]
    if len(fake.calls) < len(keys):
        mistake = (
            "the fetches ran one after another, so some never started: start every fetch before awaiting "
            "any (a TaskGroup's create_task for each key)"
        )
    elif any(call.outcome == "returned" for call in others):
        mistake = WAITED_FOR_THE_OTHERS
    else:
        mistake = (
            "asyncio.gather raises the first failure but leaves the other fetches running: cancel them "
            "(a TaskGroup does)"
        )
    expect(
        # Received, not over: a cancellation not waited for is the next expectation's business.
        len(others) == len(keys) - 1 and all(call.cancel_arrived is not None for call in others),
        saw=f"fetch('bad') failed at once, the others needed {seconds(others_take)}, and {outcome.describe()}; "
        f"the other fetches: {describe_outcomes(others)}"
        + (f" ({len(keys) - len(fake.calls)} never called)" if len(fake.calls) < len(keys) else ""),
        expected=f"the {len(keys) - 1} other fetches cancelled (each received CancelledError)",
        mistake=mistake,
    )
    expect(
        not at_end.running_keys,
        saw=f"when the call ended ({outcome.describe()}), the fetches of {short(at_end.running_keys)} "
        "were cancelled but still running",
        expected="every cancelled fetch ended before the call returns or raises",
        mistake="task.cancel() only asks a task to stop: await the cancelled tasks (asyncio.gather(*tasks, "
        "return_exceptions=True), asyncio.wait) before raising; a TaskGroup does it for you",
    )
    await expect_no_leaked_tasks(after="the call raised")


@pytest.mark.category("timeout")
async def test_raises_soon_after_first_failure(kata):
    """A fetch fails after 0.1 s while the others need 1 s: the call raises after about 0.1 s, not 1 s."""
    failure = ConnectionError("connection reset")
    fake = FakeFetch(delay=units(10), delays={"bad": units(1)}, errors={"bad": failure})
    outcome = await run(kata.fetch_all_or_nothing(fake, ["bad", "a", "b", "c"]))
    finished = [call.key for call in fake.calls if call.key != "bad" and call.outcome == "returned"]
    # First failure at 0.1 s, slowest fetch at 1.0 s: the bound is 4x the one and 2.5x short of the other;
    # the call log (no other fetch allowed to finish) backs it.
    bound = units(4)
    expect(
        outcome.error is not None and outcome.elapsed <= bound and not finished,
        saw=f"fetch('bad') failed after {seconds(units(1))}, the others needed {seconds(units(10))}, and "
        f"{outcome.describe()}" + (f"; the fetches of {short(finished)} ran to the end" if finished else ""),
        expected=f"an exception soon after the failure, within {seconds(bound)}",
        mistake=WAITED_FOR_THE_OTHERS if finished or outcome.elapsed > bound else "the failure was swallowed",
    )
