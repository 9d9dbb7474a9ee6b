"""Hidden suite: bounded.fetch_limited(fetch, keys, limit)."""

import math
from collections import Counter

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from harness import (
    AtEnd,
    FakeFetch,
    KataCall,
    LoopErrors,
    LoopWatch,
    expect,
    expect_no_leaked_tasks,
    run,
    seconds,
    settle,
    short,
    units,
)
from harness.checks import expect_one_result_per_input, unwrapped_mistake
from harness.cleanup import GatedFetch
from harness.fakes import describe_outcomes
from harness.inputs import text
from harness.readahead import OneShot

# (key, delay in turns of the sandbox's loop): keys repeat, finish in every order, and include unicode.
keyed_delays = st.lists(st.tuples(text(3), st.integers(0, 6)), max_size=10)
OVER_THE_LIMIT = (
    "every key was started at once (asyncio.gather or create_task for each key with nothing holding them back): "
    "hold each call back until a place is free (an asyncio.Semaphore(limit) around the call, or `limit` worker "
    "tasks taking keys from one shared iterator)"
)
IN_BATCHES = (
    "the keys were cut into batches of `limit`, each gathered before the next: a batch waits for its slowest "
    "call while the other places sit idle. Start the next key the moment any call ends (a Semaphore, or workers "
    "that each take the next key as soon as their call ends)"
)


# The likely mistake when a call's failure did not come out at all.
SWALLOWED = "the failure was swallowed, or returned in the list"


@pytest.mark.category("correctness")
@given(keyed_delays, st.integers(1, 4), st.booleans())
@example([("slow", 6), ("fast", 0), ("middle", 3), ("fast", 1)], 2, False)
@example([("a", 0), ("b", 5), ("c", 0), ("d", 0), ("e", 2)], 1, True)
async def test_results_in_key_order(kata, pairs, limit, as_tuple):
    """Each key is fetched once per occurrence (duplicates included), and the results come back in key order,
    whatever order the calls end in, for any limit."""
    keys = [key for key, _ in pairs]
    fake = FakeFetch(delays=dict(pairs), ticks=True)
    outcome = await run(kata.fetch_limited(fake, tuple(keys) if as_tuple else keys, limit))
    expect_one_result_per_input(outcome, fake, keys, noun="key", function="fetch")


@pytest.mark.category("correctness")
async def test_keys_from_a_generator(kata):
    """`keys` may be any iterable read once, a generator say (no len(), nothing left for a second pass): every
    key is fetched, and the results come back in key order."""
    keys = ["g", "e", "n", "e"]
    fake = FakeFetch(delays={"g": 3, "e": 0, "n": 1}, ticks=True)
    outcome = await run(kata.fetch_limited(fake, OneShot(keys), 2))
    expected = [fake.results(key) for key in keys]
    expect(
        outcome.returned and list(outcome.value or []) == expected and Counter(fake.keys) == Counter(keys),
        saw=f"keys given as a generator of {short(keys)}: fetch called with {short(fake.keys)}, and "
        f"{outcome.describe()}",
        expected=f"the list {short(expected)}",
        mistake="len() of the keys, or indexing them: a generator has neither; take them with a for loop (or "
        "list(keys) once)"
        if isinstance(outcome.error, TypeError)
        else "the keys were read a second time (to look the results up, or to count them): a generator is "
        "empty by then; read it once, keeping what you need (enumerate, or list(keys))"
        if outcome.returned
        else None,
    )


@pytest.mark.category("correctness")
async def test_no_keys_gives_empty_list(kata):
    """No keys: returns [] and calls nothing."""
    fake = FakeFetch()
    outcome = await run(kata.fetch_limited(fake, [], 3))
    expect(
        outcome.returned and outcome.value == [] and not fake.calls,
        saw=f"{outcome.describe()}, with {len(fake.calls)} fetch call(s)",
        expected="an empty list, and no call of fetch",
        mistake="asyncio.wait raises ValueError when given no tasks: return [] before calling it"
        if isinstance(outcome.error, ValueError)
        else None,
    )


@pytest.mark.category("exceptions")
async def test_limit_below_one_raises_value_error(kata):
    """`limit` 0 or negative: ValueError before any call of fetch, with keys or without."""
    for limit, keys in ((0, ["a", "b"]), (-2, ["a"]), (0, [])):
        fake = FakeFetch(delay=0, ticks=True)
        outcome = await run(kata.fetch_limited(fake, keys, limit))
        expect(
            isinstance(outcome.error, ValueError) and not fake.calls,
            saw=f"for limit={limit} and keys {short(keys)}, {outcome.describe()}, after {len(fake.calls)} "
            "call(s) of fetch",
            expected="ValueError, raised before fetch is called",
            mistake="the limit is checked only after returning [] for no keys; check it first"
            if not keys and outcome.returned
            else "asyncio.Semaphore(0) or no workers at all never lets a call start, and a negative limit is "
            "refused only by some of them: check `limit < 1` yourself, first thing",
        )


@pytest.mark.category("concurrency")
async def test_never_more_than_limit_at_once(kata):
    """Twelve keys with a limit of 3: never more than 3 calls running at the same moment, and 3 running while
    keys are left."""
    delays = {f"k{index}": 4 + index % 4 for index in range(12)}  # turns of the sandbox's loop, ending in a jumble
    fake = FakeFetch(delays=delays, ticks=True)
    outcome = await run(kata.fetch_limited(fake, list(delays), 3))
    expect(
        outcome.returned and fake.peak <= 3,
        saw=f"{outcome.describe()}, with up to {fake.peak} calls running at once",
        expected="at most 3 calls of fetch running at any moment",
        mistake=OVER_THE_LIMIT if fake.peak > 3 else None,
    )
    expect(
        fake.peak == 3,
        saw=f"at most {fake.peak} call(s) of fetch running at once, with 12 keys and a limit of 3",
        expected="3 calls running at once while keys are left",
        mistake="the calls were awaited one after another: start up to `limit` of them before awaiting any",
    )


@pytest.mark.category("concurrency")
async def test_next_key_starts_when_any_call_ends(kata):
    """A sliding window: with a limit of 3, one call that takes long does not hold the other keys back; they
    pass through the two other places meanwhile, each starting as soon as a call ends."""
    fast = [f"fast-{index}" for index in range(6)]
    # "slow" ends only when the check says; the others take 2 turns of the sandbox's loop. A sliding window runs
    # all six of them meanwhile (a few milliseconds); batches start only two. Patience: a second, hundreds of
    # times what the six need, and it only bounds how long a wrong solution is given.
    fake = GatedFetch(gated={"slow"}, delay=2, ticks=True)
    call = KataCall(kata.fetch_limited(fake, ["slow", *fast], 3))
    await call.until(
        lambda: sum(1 for each in fake.calls if each.key != "slow" and each.outcome == "returned") == len(fast)
    )
    finished = [each.key for each in fake.calls if each.key != "slow" and each.outcome == "returned"]
    started = fake.keys
    fake.open()
    outcome = await call.outcome()
    expect(
        len(finished) == len(fast),
        saw=f"while fetch('slow') was still running, {len(started)} call(s) had started "
        f"({short(started)}) and {len(finished)} of the 6 quick ones had finished; in the end "
        f"{outcome.describe()}",
        expected="all 6 quick keys fetched through the 2 free places while 'slow' still runs",
        mistake=IN_BATCHES if len(started) <= 3 else None,
    )
    expect(outcome.returned, saw=outcome.describe(), expected="the list of the 7 results")


@pytest.mark.category("concurrency")
async def test_event_loop_stays_free(kata):
    """While the calls wait, the event loop keeps running other tasks."""
    fake = FakeFetch(delay=units(1))
    async with LoopWatch() as watch:
        outcome = await run(kata.fetch_limited(fake, ["a", "b", "c", "d", "e", "f"], 2))
    expect(outcome.returned, saw=outcome.describe(), expected="a list of six results")
    watch.expect_free()


@pytest.mark.category("exceptions")
async def test_failure_propagates_as_it_is(kata):
    """A call raises: that very exception comes out, bare (not in an ExceptionGroup, not a copy)."""
    failure = LookupError("no such key: 'b'")
    fake = FakeFetch(delays={"a": 3, "b": 1, "c": 3, "d": 3}, errors={"b": failure}, ticks=True)
    outcome = await run(kata.fetch_limited(fake, ["a", "b", "c", "d"], 2))
    expect(
        outcome.error is failure,
        saw=f"fetch('b') raised {short(failure)}, and {outcome.describe()}",
        expected=f"that very exception, {short(failure)}, raised as it is",
        mistake=unwrapped_mistake(outcome.error, [failure], SWALLOWED),
    )


@pytest.mark.category("exceptions")
async def test_failures_together_one_raised_none_unretrieved(kata):
    """Two calls fail at the same moment: one of the two exceptions comes out, as it is, and the other is
    retrieved (no 'Task exception was never retrieved')."""
    failures = {"first": ValueError("first failed"), "second": KeyError("second failed")}
    fake = FakeFetch(delays={"first": 2, "second": 2, "slow": 100, "later": 1}, errors=failures, ticks=True)
    async with LoopErrors() as loop_errors:
        outcome = await run(kata.fetch_limited(fake, ["first", "second", "slow", "later"], 3))
    expect(
        any(outcome.error is failure for failure in failures.values()),
        saw=f"fetch('first') and fetch('second') raised together, and {outcome.describe()}",
        expected=f"one of {short(list(failures.values()))}, raised as it is",
        mistake=unwrapped_mistake(outcome.error, list(failures.values()), SWALLOWED),
    )
    loop_errors.expect_none(
        "a call that failed at the same moment as another was dropped, its task's exception never retrieved: "
        "await every task you started (or take its exception) before raising"
    )


@pytest.mark.category("exceptions")
async def test_cancelling_the_call_cancels_every_fetch(kata):
    """Cancelled while fetching: every running call is cancelled and has ended before the call ends, cancelled;
    no key is fetched afterwards."""
    fake = FakeFetch(delay=math.inf)
    keys = ["a", "b", "c", "d", "e", "f"]
    at_end = AtEnd(fake)
    call = KataCall(at_end.watch(kata.fetch_limited(fake, keys, 3)))
    await call.until_called(fake, count=3)
    await settle()
    call.cancel()
    outcome = await call.outcome()
    expect(
        outcome.cancelled,
        saw=f"cancelled while fetching, {outcome.describe()}",
        expected="it ends cancelled: asyncio.CancelledError goes on up, once every call has ended",
        mistake="CancelledError was caught (a bare except:, except BaseException:) and turned into something "
        "else: after cleaning up, re-raise it",
    )
    expect(
        not at_end.running_keys,
        saw=f"when the call ended cancelled, the fetches of {short(at_end.running_keys)} were still running",
        expected="every call cancelled, and ended, before the call ends",
        mistake="cancelling the call does not reach the tasks it started (create_task and asyncio.wait leave "
        "them running), or they were cancelled but not awaited: in an except or finally, cancel them and await "
        "them; a TaskGroup does it for you",
    )
    await settle()
    expect(
        all(each.outcome == "cancelled" for each in fake.calls),
        saw=f"after the call was cancelled, the fetches: {describe_outcomes(fake.calls)} "
        f"({len(fake.calls)} called in all)",
        expected="every call cancelled, and none started afterwards",
        mistake="the tasks waiting for a place went on after the call was cancelled: cancel every task you "
        "started, not only the running ones",
    )
    await expect_no_leaked_tasks(after="the call was cancelled")


@pytest.mark.category("timeout")
async def test_failure_cancels_the_running_calls(kata):
    """A call fails: every other call still running, and any started after the failure, is cancelled and has
    ended before the call raises; none of them finishes."""
    failure = ConnectionError("connection reset")
    # The others take real time, not loop turns: the failure travels to the learner's loop and its
    # cancellations back, a round trip of milliseconds. 0.5 s is a hundred times that; the call record
    # (cancelled, not returned) is the instrument.
    others_take = units(5)
    fake = FakeFetch(delay=others_take, delays={"bad": 0}, errors={"bad": failure})
    keys = ["bad", "a", "c", "d", "e", "f", "g", "h"]
    at_end = AtEnd(fake)
    outcome = await run(at_end.watch(kata.fetch_limited(fake, keys, 3)))
    await settle()
    others = [each for each in fake.calls if each.key != "bad"]
    finished = [each.key for each in others if each.outcome == "returned"]
    never_cancelled = [each.key for each in others if each.cancel_arrived is None]
    expect(
        # Received, not over: a cancellation not waited for is the next expectation's business.
        outcome.error is not None and not finished and not never_cancelled,
        saw=f"fetch('bad') failed at once, the others needed {seconds(others_take)}, and {outcome.describe()}; "
        f"the other calls: {describe_outcomes(others)}"
        + (f"; never cancelled: {short(never_cancelled)}" if never_cancelled else ""),
        expected="every other call cancelled (each received CancelledError), none of them finishing, and the "
        "failure raised",
        mistake="the other calls were left to run after the failure (asyncio.gather does not cancel them, nor "
        "does asyncio.wait): cancel every task you started, then await them, before raising; a TaskGroup "
        "does it for you"
        if finished or never_cancelled
        else None,
    )
    expect(
        not at_end.running_keys,
        saw=f"when the call ended ({outcome.describe()}), the fetches of {short(at_end.running_keys)} "
        "were cancelled but still running",
        expected="every cancelled call ended before the call raises",
        mistake="task.cancel() only asks a task to stop: await the cancelled tasks (asyncio.gather(*tasks, "
        "return_exceptions=True), asyncio.wait) before raising; a TaskGroup does it for you",
    )
    await expect_no_leaked_tasks(after="the call raised")


@pytest.mark.category("timeout")
async def test_raises_soon_after_the_failure(kata):
    """A call fails after 0.1 s while the others need 1 s: the call raises after about 0.1 s, not 1 s."""
    failure = ConnectionError("connection reset")
    fake = FakeFetch(delay=units(10), delays={"bad": units(1)}, errors={"bad": failure})
    outcome = await run(kata.fetch_limited(fake, ["bad", "a", "b", "c", "d"], 4))
    finished = [each.key for each in fake.calls if each.key != "bad" and each.outcome == "returned"]
    # First failure at 0.1 s, the others end at 1.0 s: the bound is 4x the one and 2.5x short of the other; the
    # call log (no other call allowed to finish) backs it.
    bound = units(4)
    expect(
        outcome.error is not None and outcome.elapsed <= bound and not finished,
        saw=f"fetch('bad') failed after {seconds(units(1))}, the others needed {seconds(units(10))}, and "
        f"{outcome.describe()}" + (f"; the fetches of {short(finished)} ran to the end" if finished else ""),
        expected=f"an exception soon after the failure, within {seconds(bound)}",
        mistake="the failure was acted on only once the other calls had finished (gather with "
        "return_exceptions=True, tasks awaited in key order): cancel the others as soon as one fails"
        if finished or outcome.elapsed > bound
        else "the failure was swallowed",
    )
