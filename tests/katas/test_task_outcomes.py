"""Hidden suite: task_outcomes.collect_outcomes(coro_fns)."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from harness import (
    AtEnd,
    FakeFetch,
    KataCall,
    LoopErrors,
    Stopwatch,
    expect,
    expect_no_leaked_tasks,
    run,
    same,
    settle,
    short,
    units,
)
from harness.sandbox import current_sandbox

# How each call ends: it returns a value, raises an exception, or returns an exception object (without raising it).
ENDINGS = ("returns", "raises", "returns an exception")
# (how it ends, delay in loop iterations): calls finish in every order.
calls = st.lists(st.tuples(st.sampled_from(ENDINGS), st.integers(0, 6)), max_size=8)


def _batch(endings: list[tuple[str, int]], **options) -> tuple[FakeFetch, list, list]:
    """A fake whose call `index` ends as `endings[index]` says; the functions to pass; the outcomes expected."""
    results, errors, expected = {}, {}, []
    for index, (ending, _) in enumerate(endings):
        if ending == "raises":
            errors[index] = ValueError(f"call {index} failed")
            expected.append(("error", errors[index]))
        else:
            results[index] = LookupError(f"call {index}'s result") if ending == "returns an exception" else [index]
            expected.append(("ok", results[index]))
    fake = FakeFetch(results=results.get, errors=errors, **options)
    return fake, [fake.caller(index) for index in range(len(endings))], expected


def _batch_ended(outcome) -> str | None:
    """The likely mistake when a failing call made collect_outcomes raise."""
    if isinstance(outcome.error, Exception):
        return (
            "a failing call ended the whole batch: catch each call's exception where it happens (a small "
            "wrapper coroutine), so that it becomes an outcome"
        )
    return None


def _matches(value, expected: list) -> bool:
    """The outcomes, in order, each a tuple of the right kind holding the very result or exception (a result crosses
    from the sandbox as data: the same type and an equal value; an exception the judge's fake raised or returned
    comes back as that very object)."""
    return (
        isinstance(value, list)
        and len(value) == len(expected)
        and all(
            isinstance(got, tuple) and len(got) == 2 and got[0] == kind and same(got[1], thing)
            for got, (kind, thing) in zip(value, expected, strict=False)
        )
    )


@pytest.mark.category("correctness")
@given(calls)
@example([("returns", 6), ("raises", 0), ("returns", 3)])
@example([("raises", 2), ("raises", 1)])
async def test_outcomes_in_input_order(kata, endings):
    """One outcome per call, in input order: ("ok", result) or ("error", exception), whatever order they end in."""
    fake, coro_fns, expected = _batch(
        endings, delays={index: delay for index, (_, delay) in enumerate(endings)}, ticks=True
    )
    outcome = await run(kata.collect_outcomes(coro_fns))
    if outcome.error is not None and any(kind == "error" for kind, _ in expected):
        mistake = _batch_ended(outcome)
    elif (
        outcome.returned
        and isinstance(outcome.value, list)
        and sorted(map(repr, outcome.value)) == sorted(map(repr, expected))
    ):
        mistake = "the outcomes are in the order the calls finished: keep them in the order of coro_fns"
    else:
        mistake = None
    expect(
        outcome.returned and _matches(outcome.value, expected),
        saw=f"calls that end as {short([ending for ending, _ in endings])}: {outcome.describe()}",
        expected=f"the list {short(expected)}",
        mistake=mistake,
    )
    expect(
        sorted(fake.keys) == list(range(len(endings))),
        saw=f"calls made: {short(sorted(fake.keys))}",
        expected=f"each of the {len(endings)} functions called once",
    )


@pytest.mark.category("correctness")
async def test_returned_exception_is_ok(kata):
    """A call that returns an exception object (without raising it) is ("ok", that object)."""
    fake, coro_fns, expected = _batch([("returns an exception", 0), ("raises", 0)], delay=1, ticks=True)
    outcome = await run(kata.collect_outcomes(coro_fns))
    expect(
        outcome.returned and _matches(outcome.value, expected),
        saw=f"one call returns the object {short(expected[0][1])} and one raises {short(expected[1][1])}; "
        f"{outcome.describe()}",
        expected=f"the list {short(expected)}",
        mistake="the outcome is judged by the type of the value (isinstance(result, Exception)), and a call "
        "that returned an exception looks just like one that raised: gather(return_exceptions=True) cannot "
        "tell them apart. Catch each call's exception where it is raised"
        if outcome.returned and isinstance(outcome.value, list) and outcome.value[:1] == [("error", expected[0][1])]
        else None,
    )


@pytest.mark.category("correctness")
async def test_no_calls_gives_empty_list(kata):
    """No functions: returns []."""
    outcome = await run(kata.collect_outcomes([]))
    expect(outcome.returned and outcome.value == [], saw=outcome.describe(), expected="an empty list")


@pytest.mark.category("concurrency")
async def test_all_calls_run_at_once(kata):
    """Ten calls of 0.1 s, half of them failing, run at the same time: about 0.1 s in all, not 1 s."""
    fake, coro_fns, expected = _batch(
        [("raises" if index % 2 else "returns", 0) for index in range(10)], delay=units(1)
    )
    with Stopwatch() as watch:
        outcome = await run(kata.collect_outcomes(coro_fns))
    expect(outcome.returned, saw=outcome.describe(), expected="a list of ten outcomes", mistake=_batch_ended(outcome))
    # Ideal 0.1 s, one after another 1.0 s: the bound is 4x the one and 2.5x short of the other; the peak counter
    # says exactly whether all ten were running at once.
    fake.expect_all_at_once(len(coro_fns), watch.elapsed, bound=units(4))


@pytest.mark.category("exceptions")
async def test_failure_does_not_cancel_the_others(kata):
    """A call that fails at once cancels nothing: the others run on to their end and return."""
    # In seconds: a cancellation sent on the failure takes a round trip through the sandbox, within milliseconds
    # (55 ms at worst on a loaded, throttled machine), well inside the others' 0.15 s; the verdict is the
    # cancellation record, not a clock.
    fake, coro_fns, expected = _batch(
        [("raises", 0), ("returns", 0), ("returns", 0)], delays={0: 0, 1: units(1.5), 2: units(1.5)}
    )
    outcome = await run(kata.collect_outcomes(coro_fns))
    cancelled = [call.key for call in fake.cancelled]
    expect(
        not cancelled and outcome.returned and _matches(outcome.value, expected),
        saw=f"call 0 raised at once while calls 1 and 2 were running; {outcome.describe()}"
        + (f", and call(s) {short(cancelled)} were cancelled" if cancelled else ""),
        expected=f"calls 1 and 2 to run on and return: {short(expected)}",
        mistake="the first failure cancelled the other calls: a TaskGroup does that, by design. Here every call must "
        "end its own way: catch each call's exception in a wrapper, so no task fails"
        if cancelled
        else _batch_ended(outcome),
    )


@pytest.mark.category("exceptions")
async def test_cancellation_cancels_every_call(kata):
    """collect_outcomes cancelled while calls run: it ends cancelled, after every running call was cancelled and
    has finished."""
    # Calls 0 and 2 fail at once; 1 and 3 would take 0.8 s, far longer than the check waits before cancelling.
    fake, coro_fns, _ = _batch(
        [("raises", 0), ("returns", 0), ("raises", 0), ("returns", 0)], delays={0: 0, 1: units(8), 2: 0, 3: units(8)}
    )
    at_end = AtEnd(fake)
    call = KataCall(at_end.watch(kata.collect_outcomes(coro_fns)))
    await call.until_called(fake, 4)
    # Calls 0 and 2 fail at once. Within a few turns of the sandbox's loop, a batch that ends on a failure has
    # ended (gather) or has cancelled calls 1 and 3 (a TaskGroup; the judge sees each cancellation arrive, before
    # its cleanup is over): 20 turns leave room for either, whatever the load, and calls 1 and 3 take 0.8 s.
    await current_sandbox().turns(20)
    ended_early = call.task.done() or any(each.cancel_arrived is not None for each in fake.calls)
    running = [each.key for each in fake.running]
    call.cancel()
    outcome = await call.outcome()
    expect(
        not ended_early,
        saw=f"calls 0 and 2 failed at once, and it ended before it could be cancelled: {outcome.describe()}",
        expected="it still running while calls 1 and 3 run",
        mistake=_batch_ended(outcome)
        or "a failing call ended the whole batch early (a TaskGroup cancels the other calls when one fails): catch "
        "each call's exception where it happens",
    )
    left = [key for key in running if at_end.outcome(key) != "cancelled"]
    states = {"running": "still running", "returned": "not cancelled: it had run on to its end"}
    expect(
        outcome.cancelled and not left,
        saw=f"cancelled while call(s) {short(running)} were running, {outcome.describe()}"
        + "".join(
            f"; at that moment call {key} was {states.get(at_end.outcome(key), at_end.outcome(key))}" for key in left
        ),
        expected="it ends cancelled, once every call still running was cancelled and has finished",
        mistake="the cancellation was caught (except BaseException, or a bare except:, turns CancelledError into an "
        "outcome): catch Exception only"
        if not outcome.cancelled
        else "the calls were left running (asyncio.wait does not cancel what it waits for), or cancelled but not "
        "awaited: on cancellation, cancel every task and wait for them before letting CancelledError go on up "
        "(gather does both)",
    )
    await expect_no_leaked_tasks(after="collect_outcomes was cancelled")


@pytest.mark.category("exceptions")
async def test_no_failure_left_unretrieved(kata):
    """Failures are all retrieved: when the batch returns, and when it is cancelled after some calls failed."""
    async with LoopErrors() as loop_errors:
        _, coro_fns, _ = _batch([("raises", 0), ("returns", 0), ("raises", 0)], delays={0: 1, 1: 3, 2: 2}, ticks=True)
        await run(kata.collect_outcomes(coro_fns))
        # Calls 0 and 2 fail at once, then the batch is cancelled while 1 and 3 run (they would take 0.8 s).
        fake, coro_fns, _ = _batch(
            [("raises", 0), ("returns", 0), ("raises", 0), ("returns", 0)],
            delays={0: 0, 1: units(8), 2: 0, 3: units(8)},
        )
        call = KataCall(kata.collect_outcomes(coro_fns))
        await call.until_called(fake, 4)
        await settle()  # calls 0 and 2 have failed
        call.cancel()
        await call.outcome()
        await settle(10)  # the sandbox collects its garbage: an unretrieved failure gets reported
    loop_errors.expect_none()
