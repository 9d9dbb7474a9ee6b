"""Hidden suite: pipeline.run_pipeline(source, handle, *, workers, buffer)."""

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
    expect,
    expect_no_leaked_tasks,
    run,
    settle,
    short,
    units,
)
from harness.checks import expect_one_result_per_input, unwrapped_mistake
from harness.cleanup import GatedFetch
from harness.fakes import describe_outcomes
from harness.inputs import text
from harness.readahead import ReadAheadSource
from harness.sandbox import current_sandbox
from harness.timing import until

# (item, turns of the sandbox's loop its handling takes): items repeat, finish in every order, include unicode.
handled_items = st.lists(st.tuples(text(3), st.integers(0, 4)), max_size=5)
# A read that the learner's code should never finish: longer than any reaction to a failure (a few milliseconds;
# 55 ms on a loaded machine), so a read in flight or started after a failure ends cancelled if the code stops
# reading, and hands out its item only if it does not.
SLOW_READ = units(3)


def not_bare_mistake(error, failure) -> str | None:
    if isinstance(error, AttributeError) and "aclose" in str(error):
        return "aclose() was called on a source that has none: close it only when it has one (hasattr)"
    return unwrapped_mistake(error, [failure], "the failure was swallowed")


@pytest.mark.category("correctness")
@given(handled_items, st.integers(1, 3), st.integers(0, 2))
@example([("slow", 6), ("fast", 0), ("middle", 3), ("fast", 1)], 2, 0)
@example([("a", 0), ("b", 5), ("c", 0), ("d", 0), ("e", 2)], 1, 1)
async def test_results_in_source_order(kata, pairs, workers, buffer):
    """Every item is handled once (duplicates included), and the results come back in source order, whatever
    order the calls end in."""
    items = [item for item, _ in pairs]
    handle = FakeFetch(delays=dict(pairs), ticks=True)
    source = ReadAheadSource(items)
    outcome = await run(kata.run_pipeline(source, handle, workers=workers, buffer=buffer))
    expect_one_result_per_input(outcome, handle, items, noun="item", function="handle")


@pytest.mark.category("correctness")
async def test_first_item_finishes_last(kata):
    """The first item's call ends last (after the others have finished): its result still comes first."""
    # "first" is held at a gate until the other calls have ended (patience: a second, hundreds of times what they
    # need), so the calls end in an order opposite to the source's whatever the speed of reads and calls.
    items = ["first", "second", "third"]
    handle = GatedFetch(gated={"first"}, delay=1, ticks=True)
    call = KataCall(kata.run_pipeline(ReadAheadSource(items), handle, workers=3, buffer=0))
    await call.until(lambda: sum(1 for each in handle.calls if each.key != "first" and each.outcome == "returned") == 2)
    handle.open()
    outcome = await call.outcome()
    expect_one_result_per_input(outcome, handle, items, noun="item", function="handle")


@pytest.mark.category("correctness")
async def test_empty_source_gives_empty_list(kata):
    """An empty source: returns [] and handles nothing."""
    handle = FakeFetch()
    outcome = await run(kata.run_pipeline(ReadAheadSource([]), handle, workers=2, buffer=1))
    expect(
        outcome.returned and outcome.value == [] and not handle.calls,
        saw=f"{outcome.describe()}, with {len(handle.calls)} call(s) of handle",
        expected="an empty list, and no call of handle",
    )


@pytest.mark.category("exceptions")
async def test_bad_sizes_raise_value_error(kata):
    """`workers` below 1 or `buffer` below 0: ValueError before the source is read."""
    for workers, buffer in ((0, 1), (-1, 0), (2, -1)):
        source = ReadAheadSource(["a", "b"])
        handle = FakeFetch(delay=0, ticks=True)
        outcome = await run(kata.run_pipeline(source, handle, workers=workers, buffer=buffer))
        expect(
            isinstance(outcome.error, ValueError) and not source.reads,
            saw=f"for workers={workers} and buffer={buffer}, {outcome.describe()}, after {len(source.reads)} "
            "read(s) of the source",
            expected="ValueError, raised before the source is read",
            mistake="check both `workers < 1` and `buffer < 0` first thing: asyncio.Queue(maxsize=-1) is simply "
            "unbounded, and no workers at all just waits",
        )


@pytest.mark.category("concurrency")
async def test_workers_calls_at_once(kata):
    """Twelve items, three workers: 3 calls of handle at once while items wait, and never more."""
    items = [f"item-{index}" for index in range(12)]
    # The calls wait at a gate: every worker is busy until the check opens it. Code with 3 workers reaches 3 calls
    # within a few reads (a round trip each); a second is hundreds of times that, and only bounds how long a
    # wrong solution is given. Then 20 more turns of the sandbox's loop, several times the reads code without a
    # bound on the calls needs to start a 4th (the room for 6 items in hand allows it 6).
    handle = GatedFetch()
    call = KataCall(kata.run_pipeline(ReadAheadSource(items), handle, workers=3, buffer=2))
    await call.until(lambda: handle.in_flight >= 3)
    if not call.task.done():
        await current_sandbox().turns(20)
    held = handle.peak
    handle.open()
    outcome = await call.outcome()
    expect(
        held <= 3 and handle.peak <= 3,
        saw=f"up to {handle.peak} calls of handle running at once; {outcome.describe()}",
        expected="at most 3 calls of handle at any moment",
        mistake="a task per item with nothing holding them back: let `workers` tasks (or a Semaphore(workers)) "
        "do the handling",
    )
    expect(
        held == 3 and outcome.returned,
        saw=f"at most {held} call(s) of handle at once while every call was held, with 12 items and 3 workers; "
        f"in the end {outcome.describe()}",
        expected="3 calls of handle running at once while items wait, then the list of the 12 results",
        mistake="the items were handled one after another: start `workers` workers" if held < 3 else None,
    )


@pytest.mark.category("concurrency")
async def test_backpressure_bounds_the_items_in_hand(kata):
    """The source is read no further ahead than `workers + buffer + 1` items not yet finished by handle (with
    buffer 3, and with buffer 0)."""
    for workers, buffer in ((2, 3), (2, 0)):
        items = [f"item-{index}" for index in range(20)]
        # Every call of handle is held at a gate: the workers are all busy, and code that keeps reading takes the
        # whole source. Once they are, 40 more turns of the sandbox's loop (a read takes one), several times
        # what reading past the bound needs, before the gate opens.
        handle = GatedFetch()
        source = ReadAheadSource(items, finished_by=handle)
        call = KataCall(kata.run_pipeline(source, handle, workers=workers, buffer=buffer))
        await call.until(lambda handle=handle, workers=workers: handle.in_flight >= workers)
        if not call.task.done():
            await current_sandbox().turns(40)
        in_hand = source.backlog
        handle.open()
        outcome = await call.outcome()
        bound = workers + buffer + 1
        expect(
            outcome.returned and in_hand <= bound and source.backlog <= bound,
            saw=f"with workers={workers} and buffer={buffer}, while every call of handle was held, "
            f"{in_hand} items taken from the source (up to {source.backlog} in hand over the whole run); "
            f"{outcome.describe()}",
            expected=f"at most {bound} items in hand (workers + buffer + 1)",
            mistake="asyncio.Queue(maxsize=0) has no bound at all: with buffer 0 the producer must wait for a "
            "worker to be free (a Semaphore(workers + buffer + 1) counting items in hand, taken before each read, "
            "works for every buffer)"
            if buffer == 0 and max(in_hand, source.backlog) > bound
            else "the source is read with nothing holding the reader back (an unbounded queue, or every item "
            "read before any is handled): make the reader wait for room before each read"
            if max(in_hand, source.backlog) > bound
            else None,
        )


@pytest.mark.category("concurrency")
async def test_next_item_starts_when_any_call_ends(kata):
    """Three workers: one item whose handling takes long does not hold the others back; they pass through the
    two other workers meanwhile."""
    fast = [f"fast-{index}" for index in range(6)]
    # "slow" ends only when the check says; the others take 2 turns of the sandbox's loop. Patience: a second,
    # hundreds of times what the six need; it only bounds how long a wrong solution is given.
    handle = GatedFetch(gated={"slow"}, delay=2, ticks=True)
    call = KataCall(kata.run_pipeline(ReadAheadSource(["slow", *fast]), handle, workers=3, buffer=1))
    await call.until(
        lambda: sum(1 for each in handle.calls if each.key != "slow" and each.outcome == "returned") == len(fast)
    )
    finished = [each.key for each in handle.calls if each.key != "slow" and each.outcome == "returned"]
    started = handle.keys
    handle.open()
    outcome = await call.outcome()
    expect(
        len(finished) == len(fast),
        saw=f"while handle('slow') was still running, {len(started)} call(s) had started ({short(started)}) and "
        f"{len(finished)} of the 6 quick ones had finished; in the end {outcome.describe()}",
        expected="all 6 quick items handled by the 2 other workers while 'slow' still runs",
        mistake="the items were taken in batches of `workers`, each gathered before the next: start the next "
        "item the moment any call ends (workers that each take the next item as soon as they are free)"
        if len(started) <= 3
        else None,
    )
    expect(outcome.returned, saw=outcome.describe(), expected="the list of the 7 results")


@pytest.mark.category("concurrency")
async def test_event_loop_stays_free(kata):
    """While handle and the source wait, the event loop keeps running other tasks."""
    handle = FakeFetch(delay=units(1))
    source = ReadAheadSource(["a", "b", "c", "d", "e", "f"], delay=units(0.1), ticks=False)
    async with LoopWatch() as watch:
        outcome = await run(kata.run_pipeline(source, handle, workers=3, buffer=1))
    expect(outcome.returned, saw=outcome.describe(), expected="a list of six results")
    watch.expect_free()


def failing_pipeline(workers: int, buffer: int, closable: bool = True, slow_reads: bool = False):
    """A source of ten items (with `slow_reads`, its first `workers + buffer + 1` reads are immediate and the next
    two slow); a handle whose call on "bad" fails after a few turns of the sandbox's loop and whose other calls
    never end."""
    failure = ConnectionError("handle lost its connection")
    handle = FakeFetch(delay=math.inf, delays={"bad": 12}, errors={"bad": failure}, ticks=True)
    items = ["first", "bad", *(f"item-{index}" for index in range(8))]
    room = workers + buffer + 1
    source = ReadAheadSource(
        items,
        # The reads a correct solution may start about when the failure comes; the ones after them can only be
        # reached by code that goes on reading, and are quick, so that such code is caught soon.
        delays={room: SLOW_READ, room + 1: SLOW_READ} if slow_reads else {},
        ticks=False,
        closable=closable,
    )
    return failure, handle, source


@pytest.mark.category("exceptions")
async def test_handle_failure_closes_the_source_and_propagates(kata):
    """handle raises: the source is closed (aclose awaited) before that very exception comes out, as it is."""
    failure, handle, source = failing_pipeline(2, 1)
    outcome = await run(source.watch(kata.run_pipeline(source, handle, workers=2, buffer=1)))
    expect(
        outcome.error is failure,
        saw=f"handle('bad') raised {short(failure)}, and {outcome.describe()}",
        expected=f"that very exception, {short(failure)}, raised as it is",
        mistake=not_bare_mistake(outcome.error, failure),
    )
    expect(
        source.closed_at_end,
        saw="when the call raised, the source's aclose() had "
        + ("been called but not finished" if source.closes else "not been called"),
        expected="the source closed (await its iterator's aclose()) before the exception goes on up",
        mistake="close the source in a finally block around the whole pipeline, after the workers have ended: "
        "`if hasattr(iterator, 'aclose'): await iterator.aclose()`",
    )


@pytest.mark.category("exceptions")
async def test_source_without_aclose(kata):
    """A source with no aclose(): a failure of handle still comes out as it is (nothing to close)."""
    failure, handle, source = failing_pipeline(2, 0, closable=False)
    outcome = await run(kata.run_pipeline(source, handle, workers=2, buffer=0))
    expect(
        outcome.error is failure,
        saw=f"the source has no aclose(), handle('bad') raised {short(failure)}, and {outcome.describe()}",
        expected=f"that very exception, {short(failure)}",
        mistake=not_bare_mistake(outcome.error, failure),
    )


@pytest.mark.category("exceptions")
async def test_source_failure_propagates(kata):
    """The source raises: the running calls of handle are cancelled and have ended, then that very exception
    comes out, as it is."""
    failure = OSError("the source's file went away")
    # Calls that a correct solution cancels within milliseconds; code that leaves them running ends 0.5 s later.
    handle = FakeFetch(delay=units(5))
    source = ReadAheadSource(["a", "b", "c", "d"], error_at=2, error=failure, delays={2: 4})
    at_end = AtEnd(handle)
    outcome = await run(at_end.watch(kata.run_pipeline(source, handle, workers=3, buffer=1)))
    expect(
        outcome.error is failure,
        saw=f"the source raised {short(failure)} at its third item, and {outcome.describe()}",
        expected=f"that very exception, {short(failure)}, raised as it is",
        mistake=not_bare_mistake(outcome.error, failure),
    )
    expect(
        not at_end.running_keys and not any(each.outcome == "returned" for each in handle.calls),
        saw=f"when the call ended, the calls of handle: {describe_outcomes(handle.calls)}"
        + (f"; still running then: {short(at_end.running_keys)}" if at_end.running_keys else ""),
        expected="every call of handle cancelled, and ended, before the exception goes on up",
        mistake="the workers were left running when the source failed: cancel them and await them (a "
        "TaskGroup does both)",
    )
    await expect_no_leaked_tasks(after="the source raised")


@pytest.mark.category("exceptions")
async def test_cancelling_the_call_cancels_and_closes(kata):
    """Cancelled while handling: every call of handle is cancelled and has ended, the source is closed, and the
    call ends cancelled."""
    handle = FakeFetch(delay=math.inf)
    source = ReadAheadSource([f"item-{index}" for index in range(10)])
    at_end = AtEnd(handle)
    call = KataCall(source.watch(at_end.watch(kata.run_pipeline(source, handle, workers=3, buffer=1))))
    await call.until_called(handle, count=3)
    await settle()
    call.cancel()
    outcome = await call.outcome()
    expect(
        outcome.cancelled,
        saw=f"cancelled while handling, {outcome.describe()}",
        expected="it ends cancelled: asyncio.CancelledError goes on up, once everything has ended",
        mistake="CancelledError was caught (a bare except:, except BaseException:) and turned into something "
        "else: after cleaning up, re-raise it",
    )
    expect(
        not at_end.running_keys,
        saw=f"when the call ended cancelled, the calls of handle for {short(at_end.running_keys)} were still running",
        expected="every call of handle cancelled, and ended, before the call ends",
        mistake="cancelling the call does not reach the worker tasks, or they were cancelled but not awaited: "
        "in a finally, cancel them and await them; a TaskGroup does it for you",
    )
    expect(
        source.closed_at_end,
        saw="when the call ended cancelled, the source's aclose() had "
        + ("been called but not finished" if source.closes else "not been called"),
        expected="the source closed (its iterator's aclose() awaited) before the call ends",
        mistake="close the source in a finally block, which runs on cancellation too",
    )
    await expect_no_leaked_tasks(after="the call was cancelled")


@pytest.mark.category("timeout")
async def test_handle_failure_stops_reading_and_cancels_the_others(kata):
    """handle raises: no item is taken from the source after that, and every other call of handle is cancelled
    and has ended before the exception comes out."""
    failure, handle, source = failing_pipeline(3, 1, slow_reads=True)
    at_end = AtEnd(handle)
    async with LoopErrors() as loop_errors:
        outcome = await run(at_end.watch(kata.run_pipeline(source, handle, workers=3, buffer=1)))
    # A read left running after the call ended takes SLOW_READ: give it time to hand out its item (none is left
    # running by code that stops reading, which is not kept waiting here at all).
    await until(lambda: all(each.ended is not None for each in source.reads), 2 * SLOW_READ)
    await settle()
    failed_at = next((each.ended for each in handle.calls if each.key == "bad"), None)
    late = [each.key for each in source.reads if each.outcome == "returned" and failed_at and each.ended > failed_at]
    late = [index for index in late if index < len(source.items)]
    expect(
        outcome.error is not None and not late,
        saw=f"handle('bad') failed, {outcome.describe()}, and after the failure the source handed out the items "
        f"at {short(late)} (indexes)",
        expected="no item taken from the source after the failure",
        mistake="the reader went on after a worker failed (it is not cancelled with the workers): stop reading "
        "at the failure (in a TaskGroup with the workers, or cancel the reader's task too)",
    )
    others = [each for each in handle.calls if each.key != "bad"]
    expect(
        not at_end.running_keys and all(each.outcome == "cancelled" for each in others),
        saw=f"when the call ended, the other calls of handle: {describe_outcomes(others)}; still running then: "
        f"{short(at_end.running_keys)}",
        expected="every other call of handle cancelled, and ended, before the exception goes on up",
        mistake="the other workers were not cancelled, or cancelled and not awaited: cancel them and await them "
        "before raising (a TaskGroup does both)",
    )
    loop_errors.expect_none()
    await expect_no_leaked_tasks(after="the call raised")
