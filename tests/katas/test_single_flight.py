"""Hidden suite: single_flight.SingleFlight().get(key, load).

The learner's SingleFlight is kept in the sandbox and held here by handle; each `get` is a call of its method, in
a task of the sandbox's loop that the check can cancel. Loads are GatedFetch fakes: a call runs until the check
opens its gate, so "still running", "shared" and "cancelled" are judged with no timer to race. A caller sent
after another is read after it by the sandbox, so "the first caller" and "arriving later" are exact; the check
lets the sandbox's loop take SETTLE turns after starting callers, so that each has reached its first wait.
"""

import asyncio
from collections import Counter

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from harness import AtEnd, FakeFetch, KataCall, LoopErrors, expect, expect_no_leaked_tasks, run, settle, short, units
from harness.cleanup import GatedFetch
from harness.sandbox import RemoteObject
from harness.timing import until

# Turns of the sandbox's loop given to callers just started to reach their first wait (a correct get needs one).
SETTLE = 20
# A correct caller ends within milliseconds of its cancellation; one that waits for the shared call never ends
# while its gate is closed. Nine times a loaded machine's worst round trip; the gate never opens meanwhile.
AT_ONCE = units(5)


async def new_flight(kata) -> RemoteObject:
    """`SingleFlight()`, made in the sandbox's loop thread and held by handle."""
    outcome = await run(kata.SingleFlight.in_loop_thread())
    expect(
        outcome.returned and isinstance(outcome.value, RemoteObject),
        saw=f"SingleFlight() {outcome.describe().removeprefix('it ')}",
        expected="a SingleFlight object",
        mistake="SingleFlight must be a class whose __init__ takes no arguments",
    )
    return outcome.value


def loads(*names: str, **options) -> list[GatedFetch]:
    """One gated load per caller, each returning (its name, key), so a result tells whose load made it."""
    return [GatedFetch(results=lambda key, name=name: (name, key), **options) for name in names]


async def started(call: KataCall, load: FakeFetch) -> None:
    await call.until_called(load)
    expect(
        len(load.calls) >= 1,
        saw=f"get {(await call.outcome()).describe().removeprefix('it ')} without calling load"
        if call.task.done()
        else "load never called",
        expected="the first caller of a key to call load(key) and wait for it",
    )


@pytest.mark.category("correctness")
@given(st.lists(st.sampled_from(["a", "b", "é中", 0, 1, (2, 3)]), min_size=1, max_size=8), st.integers(1, 2))
@example(["a"], 1)
@example(["a", "a", "a"], 2)
@example(["a", "b", "a", 0, "b"], 2)
async def test_concurrent_callers_share_one_call(kata, keys, ticks):
    """Callers started together: one call of load per distinct key, and each caller gets its key's result."""
    flight = await new_flight(kata)
    load = FakeFetch(delay=ticks, ticks=True)
    calls = [KataCall(flight.get(key, load)) for key in keys]
    outcomes = [await call.outcome() for call in calls]
    expected = [("value", key) for key in keys]
    expect(
        all(outcome.returned for outcome in outcomes) and [outcome.value for outcome in outcomes] == expected,
        saw=f"for concurrent gets of {short(keys)}: " + "; ".join(outcome.describe() for outcome in outcomes),
        expected=f"each caller to get load's result for its key: {short(expected)}",
    )
    counts = Counter(load.keys)
    expect(
        counts == Counter(set(keys)),
        saw=f"load called with {short(load.keys)} for concurrent gets of {short(keys)}",
        expected="exactly one call of load per distinct key, shared by every caller of that key",
        mistake="every caller calls load itself: keep the running call per key (a dict of tasks) and let later "
        "callers of that key wait for it"
        if any(count > 1 for count in counts.values())
        else None,
    )


@pytest.mark.category("correctness")
async def test_callers_receive_the_first_callers_result(kata):
    """Three callers of one key while its load runs: only the first caller's load is called, once, and all three
    receive its result."""
    flight = await new_flight(kata)
    first, second, third = loads("first", "second", "third")
    a = KataCall(flight.get("k", first))
    await started(a, first)
    b, c = KataCall(flight.get("k", second)), KataCall(flight.get("k", third))
    await settle(SETTLE)
    for load in (first, second, third):
        load.open()
    outcomes = [await call.outcome() for call in (a, b, c)]
    expect(
        all(outcome.returned and outcome.value == ("first", "k") for outcome in outcomes),
        saw="; ".join(outcome.describe() for outcome in outcomes),
        expected="all three to return the first caller's load result, ('first', 'k')",
    )
    expect(
        len(first.calls) == 1 and not second.calls and not third.calls,
        saw=f"the first caller's load called {len(first.calls)} time(s), the second's {len(second.calls)}, "
        f"the third's {len(third.calls)}",
        expected="one call, of the first caller's load, shared by the other two",
        mistake="later callers started loads of their own: look up the call already running for the key"
        if second.calls or third.calls
        else None,
    )
    await expect_no_leaked_tasks(after="every get returned")


@pytest.mark.category("correctness")
async def test_nothing_is_cached(kata):
    """A caller arriving after the call has returned starts a new call: no result is kept."""
    flight = await new_flight(kata)
    before, after = FakeFetch(delay=1, ticks=True, results=lambda k: ("old", k)), FakeFetch(delay=1, ticks=True)
    first = await run(flight.get("k", before))
    second = await run(flight.get("k", after))
    expect(
        first.returned and first.value == ("old", "k") and second.returned and second.value == ("value", "k"),
        saw=f"the first get {first.describe().removeprefix('it ')}, the second, after it, "
        f"{second.describe().removeprefix('it ')}",
        expected="('old', 'k'), then ('value', 'k') from a new call of the second caller's load",
        mistake="the result was kept after the call had ended: forget the call once it is over (it is not a cache)"
        if second.returned and second.value == ("old", "k")
        else None,
    )
    await expect_no_leaked_tasks(after="both gets returned")


@pytest.mark.category("concurrency")
async def test_different_keys_load_at_once(kata):
    """Callers of two different keys: both loads run at the same time."""
    flight = await new_flight(kata)
    load = GatedFetch()
    calls = [KataCall(flight.get(key, load)) for key in ("a", "b")]
    deadline_ok = await _until_calls(load, 2, calls)
    load.open()
    outcomes = [await call.outcome() for call in calls]
    expect(
        deadline_ok,
        saw=f"while load('a') ran, load called with {short(load.keys)} after {AT_ONCE:.2f} s",
        expected="load('b') to start at once, beside load('a')",
        mistake="one lock (or one queue) for every key makes each load wait for the one before: only callers "
        "of the same key share anything",
    )
    expect(
        [outcome.value for outcome in outcomes] == [("value", "a"), ("value", "b")],
        saw="; ".join(outcome.describe() for outcome in outcomes),
        expected="('value', 'a') and ('value', 'b')",
    )


async def _until_calls(load: FakeFetch, count: int, calls: list[KataCall]) -> bool:
    """Whether `load` has `count` calls within AT_ONCE (or every caller has ended first)."""
    await until(lambda: len(load.calls) >= count or all(call.task.done() for call in calls), AT_ONCE)
    return len(load.calls) >= count


@pytest.mark.category("exceptions")
async def test_failure_reaches_every_caller(kata):
    """The shared call raises: that very exception is raised to every caller that shared it, and nothing is left
    unretrieved."""
    failure = ConnectionError("database went away")
    async with LoopErrors() as loop_errors:
        flight = await new_flight(kata)
        (load,) = loads("first", errors={"k": failure})
        a = KataCall(flight.get("k", load))
        await started(a, load)
        b = KataCall(flight.get("k", load))
        await settle(SETTLE)
        load.open()
        outcomes = [await call.outcome() for call in (a, b)]
    expect(
        all(outcome.error is failure for outcome in outcomes),
        saw=f"load raised {short(failure)}; the callers: " + "; ".join(outcome.describe() for outcome in outcomes),
        expected="that very exception raised to both callers, unchanged",
        mistake="the exception was wrapped or replaced: let it propagate as it is (`await` on the shared task "
        "or future raises it)"
        if all(outcome.error is not None for outcome in outcomes)
        else None,
    )
    expect(len(load.calls) == 1, saw=f"load called {len(load.calls)} times", expected="one shared call")
    loop_errors.expect_none()
    await expect_no_leaked_tasks(after="both gets raised")


@pytest.mark.category("exceptions")
async def test_failure_is_not_kept(kata):
    """After the call raised, the next caller of the key starts a new call and gets its result."""
    failure = ConnectionError("database went away")
    flight = await new_flight(kata)
    failing = FakeFetch(delay=1, ticks=True, errors={"k": failure})
    working = FakeFetch(delay=1, ticks=True)
    first = await run(flight.get("k", failing))
    second = await run(flight.get("k", working))
    expect(
        first.error is failure and second.returned and second.value == ("value", "k"),
        saw=f"the first get, whose load raised {short(failure)}, {first.describe().removeprefix('it ')}; "
        f"the next get {second.describe().removeprefix('it ')}",
        expected="the failure raised to the first caller, then a new call for the next one: ('value', 'k')",
        mistake="the failure was kept after the call had ended: forget the call once it is over, whatever its outcome"
        if second.error is failure
        else None,
    )


@pytest.mark.category("timeout")
async def test_cancelled_caller_ends_at_once(kata):
    """One of two callers is cancelled while the load runs: it ends cancelled at once, without waiting for the
    load."""
    flight = await new_flight(kata)
    (load,) = loads("first")
    a = KataCall(flight.get("k", load))
    await started(a, load)
    b = KataCall(flight.get("k", load))
    await settle(SETTLE)
    b.cancel()
    done, _ = await asyncio.wait([b.task], timeout=AT_ONCE)
    load.open()
    outcome = await b.outcome()
    await a.outcome()
    expect(
        bool(done) and outcome.cancelled,
        saw=f"cancelled while the shared load ran, the caller {outcome.describe().removeprefix('it ')}"
        + ("" if done else f", only once the load was let finish ({AT_ONCE:.2f} s later)"),
        expected="it ends cancelled at once, while the load goes on for the other caller",
        mistake="the cancelled caller waited for the shared call to end: stop waiting at once and let "
        "CancelledError go on up"
        if not done
        else "the CancelledError was caught and not raised again",
    )


@pytest.mark.category("timeout")
async def test_cancelled_caller_leaves_the_others_alone(kata):
    """One of two callers is cancelled while the load runs: the load is not cancelled, and the other caller still
    gets its result."""
    flight = await new_flight(kata)
    (load,) = loads("first")
    a = KataCall(flight.get("k", load))
    await started(a, load)
    b = KataCall(flight.get("k", load))
    await settle(SETTLE)
    b.cancel()
    await settle(SETTLE)
    load.open()
    outcome = await a.outcome()
    await b.outcome()
    interrupted = any(call.cancel_arrived is not None for call in load.calls)
    expect(
        not interrupted and outcome.returned and outcome.value == ("first", "k"),
        saw=f"after the second caller was cancelled, the first {outcome.describe().removeprefix('it ')}"
        + ("; the shared load received CancelledError" if interrupted else ""),
        expected="the load untouched, and ('first', 'k') for the caller still waiting",
        mistake="each caller awaits the shared task itself, so cancelling one caller cancels the task for "
        "everyone: wait through asyncio.shield (or asyncio.wait), which leaves the task alone"
        if interrupted
        else None,
    )
    await expect_no_leaked_tasks(after="both gets ended")


@pytest.mark.category("timeout")
async def test_last_caller_cancelled_cancels_the_load(kata):
    """After a shared call of the key has returned, every caller of a new one is cancelled while its load runs:
    the load is cancelled, and has ended by the time the last caller has."""
    flight = await new_flight(kata)
    earlier = FakeFetch(delay=2, ticks=True)
    await asyncio.gather(*(run(flight.get("k", earlier)) for _ in range(2)))  # callers counted, then gone
    (load,) = loads("first")
    at_end = AtEnd(load)
    a = KataCall(flight.get("k", load))
    await started(a, load)
    b = KataCall(at_end.watch(flight.get("k", load)))
    await settle(SETTLE)
    a.cancel()
    await settle(SETTLE)
    b.cancel()
    ended, _ = await asyncio.wait([b.task], timeout=AT_ONCE)
    if not ended:  # it waits for the load: let the load end, so the check can
        load.open()
    first, last = await a.outcome(), await b.outcome()
    await settle()
    how = at_end.outcome("k")
    expect(
        bool(ended),
        saw=f"the last caller, cancelled while the load ran, had not ended {AT_ONCE:.2f} s later; it "
        f"{last.describe().removeprefix('it ')} once the load was let finish",
        expected="it cancels the load, awaits its end, and ends cancelled at once",
        mistake="the cancelled caller waited for the shared call to end: cancel the call when you are the last "
        "one waiting, and wait only for that cancellation to complete",
    )
    expect(
        first.cancelled and last.cancelled,
        saw=f"both callers cancelled; the first {first.describe().removeprefix('it ')}, the last "
        f"{last.describe().removeprefix('it ')}",
        expected="both end cancelled",
    )
    expect(
        how == "cancelled",
        saw=f"when the last caller ended cancelled, the load was {how if how != 'running' else 'still running'}",
        expected="the load cancelled, and its end awaited, before the last caller ends",
        mistake="nobody cancels the shared call once no caller waits for it: count the callers, and let the last "
        "one out cancel the call and await it"
        if how == "running" and not load.cancelled
        else "the call was cancelled but not awaited: await it (asyncio.wait([task])) before ending cancelled",
    )
    await expect_no_leaked_tasks(after="every caller was cancelled")


@pytest.mark.category("correctness")
async def test_caller_after_cancellation_starts_anew(kata):
    """A caller arriving just after the last one was cancelled starts a new call and gets its result."""
    flight = await new_flight(kata)
    first, second = loads("first", "second")
    a = KataCall(flight.get("k", first))
    await started(a, first)
    a.cancel()
    b = KataCall(flight.get("k", second))  # read by the sandbox right after the cancel
    await settle(SETTLE)
    first.open()
    second.open()
    outcome = await b.outcome()
    await a.outcome()
    expect(
        outcome.returned and outcome.value == ("second", "k") and len(second.calls) == 1,
        saw=f"a caller arriving after the only caller was cancelled {outcome.describe().removeprefix('it ')}, "
        f"having called load {len(second.calls)} time(s)",
        expected="a new call of its own load: ('second', 'k')",
        mistake="it joined the call being cancelled: forget the call the moment you cancel it, not when it has ended"
        if outcome.cancelled or not second.calls
        else None,
    )
    await expect_no_leaked_tasks(after="both gets ended")
