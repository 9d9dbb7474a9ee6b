"""Hidden suite: cooperative.process_all(items, work)."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from harness import KataCall, LoopWatch, Stopwatch, expect, run, seconds, short, units
from harness.blocking import FakeWork
from harness.inputs import text

MS = units(0.01)  # one call of work: about a millisecond
# Most calls of work in a row without a turn for the event loop. The contract asks for a turn every 10 ms of
# work: at most 10 calls (11 with an off-by-one), since every call lasts at least its millisecond. 25 is 2.3x
# that; a solution that never yields makes all 60 calls of the check in a row, 2.4x past it.
MAX_RUN = 25
# Elapsed time over the time spent inside work (judge-side, from each call's arrival to its answer). A correct
# solution shows about 1.4 here (each call's round trip to the judge falls outside work; yielding adds about 1%);
# a 10 ms sleep per item of 1 ms makes it about 9 (a sleep is never shorter than asked). 3, the contract's own
# bound, is 2.1x the one and 3x short of the other.
MAX_SLOWDOWN = 3

# Short lists: a solution that sleeps between items (wrong, and caught elsewhere) must still get through the
# 20 examples well within the check's budget.
items_lists = st.lists(st.one_of(st.integers(), text(3)), max_size=5)


@pytest.mark.category("correctness")
@given(items_lists)
@example(list(range(12)))
@example(["same", "same", 0, 0])
async def test_results_in_item_order(kata, items):
    """work is called once per item, in order, and the results come back in item order."""
    fake = FakeWork(duration=0)
    outcome = await run(kata.process_all(items, fake))
    expected = [fake.results(item) for item in items]
    expect(
        outcome.returned and list(outcome.value or []) == expected,
        saw=f"for items {short(items)}, {outcome.describe()}",
        expected=f"the list {short(expected)}",
        mistake="items lost at the end: a last batch shorter than the others still has to be processed"
        if outcome.returned and len(outcome.value or []) < len(expected)
        else None,
    )
    expect(
        fake.keys == items,
        saw=f"work called with {short(fake.keys)}",
        expected=f"one call per item, in order, duplicates included: {short(items)}",
    )


@pytest.mark.category("correctness")
async def test_no_items_gives_empty_list(kata):
    """No items: returns [] and calls nothing."""
    fake = FakeWork()
    outcome = await run(kata.process_all([], fake))
    expect(
        outcome.returned and outcome.value == [] and not fake.calls,
        saw=f"{outcome.describe()}, with {len(fake.calls)} call(s) of work",
        expected="an empty list, and no call of work",
    )


@pytest.mark.category("concurrency")
async def test_work_runs_in_the_loop_thread(kata):
    """Every call of work runs in the event loop's own thread: no threads, no processes."""
    fake = FakeWork()
    items = list(range(20))
    outcome = await run(kata.process_all(items, fake))
    elsewhere = "another process" if fake.in_other_processes else "another thread"
    expect(
        not fake.in_other_threads,
        saw=f"{len(fake.in_other_threads)} of {len(fake.calls)} calls of work made in {elsewhere}",
        expected="every call in the event loop's own thread",
        mistake="work was sent to another process: it must run in the event loop's own thread, with yields "
        "between items"
        if fake.in_other_processes
        else "the work was handed to a thread (asyncio.to_thread, run_in_executor): that keeps the loop free, "
        "but this kata is about sharing the loop's own thread, by yielding between items",
    )
    expect(outcome.returned, saw=outcome.describe(), expected="a list of 20 results")


@pytest.mark.category("concurrency")
async def test_loop_gets_a_turn_often(kata):
    """60 items of 1 ms: the event loop gets a turn at least every 10 items, so other tasks keep running."""
    fake = FakeWork(duration=MS)
    items = list(range(60))
    async with LoopWatch() as watch:
        outcome = await run(kata.process_all(items, fake))
    expect(outcome.returned, saw=outcome.describe(), expected="a list of 60 results")
    if watch.sleep_calls:
        mistake = (
            "time.sleep(0) lets other threads run, not other tasks: the coroutine keeps the loop. "
            "Yield with `await asyncio.sleep(0)`"
        )
    elif fake.longest_run >= len(items):
        mistake = (
            f"nothing in all {len(items)} calls gave control back to the loop: add `await asyncio.sleep(0)` "
            "every few items (awaiting a coroutine with no suspending await inside does not yield, and tasks "
            "that each yield once and then work all do their work in the same turn)"
        )
    else:
        mistake = f"it yields, but only every {fake.longest_run} items or so: yield at least every 10"
    # The run of calls without a turn is counted exactly: the wall time of that run (information only) grows
    # with the machine's load, the count does not.
    expect(
        fake.longest_run <= MAX_RUN,
        saw=f"{fake.longest_run} calls of work in a row ({seconds(fake.longest_stretch)}) without a turn for "
        "the event loop",
        expected=f"a turn for the loop at least every 10 ms of work, about every 10 calls (more than {MAX_RUN} "
        "in a row fails)",
        mistake=mistake,
    )


@pytest.mark.category("concurrency")
async def test_yielding_costs_little(kata):
    """100 items of 1 ms take at most 3 times as long as the work itself: the yields wait for nothing."""
    fake = FakeWork(duration=MS)
    items = list(range(100))
    with Stopwatch() as watch:
        outcome = await run(kata.process_all(items, fake))
    expect(outcome.returned, saw=outcome.describe(), expected="a list of 100 results")
    # Work and wall time are measured in the same run, so load stretches both alike.
    slowdown = watch.elapsed / max(fake.busy, 1e-9)
    expect(
        slowdown <= MAX_SLOWDOWN,
        saw=f"{len(items)} items took {seconds(watch.elapsed)} in all, of which {seconds(fake.busy)} inside "
        f"work: {slowdown:.1f} times as long as a plain loop",
        expected=f"at most {MAX_SLOWDOWN} times as long as a plain loop",
        mistake="it waits between items (asyncio.sleep with a delay, a timer): `await asyncio.sleep(0)` gives "
        "the loop its turn without waiting for any time to pass",
    )


@pytest.mark.category("exceptions")
async def test_failure_propagates_unchanged(kata):
    """work raises on the 8th item: that very exception comes out, and no later item is processed."""
    failure = ArithmeticError("cannot process item 7")
    fake = FakeWork(errors={7: failure})
    items = list(range(20))
    outcome = await run(kata.process_all(items, fake))
    expect(
        outcome.error is failure,
        saw=f"work raised {short(failure)} for item 7, and {outcome.describe()}"
        if 7 in fake.keys
        else outcome.describe(),
        expected="that very exception, raised as it is",
        mistake="the failure was caught (to skip the item?) or replaced by another exception",
    )
    expect(
        fake.keys == items[:8],
        saw=f"{len(fake.calls)} calls of work, the last for item {short(fake.keys[-1]) if fake.calls else None}",
        expected="8 calls, for items 0 to 7: nothing after the failing item",
        mistake="the work went on after the failure",
    )


@pytest.mark.category("exceptions")
async def test_cancellation_is_not_swallowed(kata):
    """Cancelled while it works (at one of its yields): it ends cancelled and calls work no more."""
    fake = FakeWork(duration=MS)
    items = list(range(100))
    call = KataCall(kata.process_all(items, fake))
    turns_at_end: list[int] = []
    call.call.on_end.append(lambda: turns_at_end.append(fake.turns))
    await call.until_called(fake, count=20)
    # Cancelled while a call holds the loop's thread: the cancellation waits in the sandbox's queue behind that
    # call's answer and is read at the loop's next turn, which applies it and answers a ping of the fake's (a
    # pong) before the task's step resumes: calls made after that turn came were made after the cancellation
    # reached the coroutine.
    await fake.until_running(call)
    done_first = call.task.done()
    turn = fake.turns
    call.cancel()
    outcome = await call.outcome()
    made = len([work for work in fake.calls if work.turns <= turn])
    later = len(fake.calls) - made
    if done_first and made < len(items):
        saw = f"it ended before there was a moment to cancel it, after {made} call(s) of work: {outcome.describe()}"
        mistake = None
    elif done_first or (turns_at_end and turns_at_end[0] <= turn):
        saw = (
            f"no moment to cancel it: it went on to make all {len(fake.calls)} calls of work without another turn "
            f"for the loop, and {outcome.describe()}"
        )
        mistake = "a coroutine can only be cancelled at an await that suspends: yield every few items"
    else:
        saw = (
            f"cancelled at a yield after {made} calls of work, {outcome.describe()}, having called work "
            f"{later} more time(s)"
        )
        mistake = (
            "the CancelledError raised at the yield was caught (a bare except:, except BaseException:, "
            "or except asyncio.CancelledError:) and the work went on"
        )
    expect(
        outcome.cancelled and later == 0,
        saw=saw,
        expected="it ends cancelled at the yield where it was cancelled, without calling work again",
        mistake=mistake,
    )
