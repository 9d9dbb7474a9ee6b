"""Hidden suite: cpu_in_processes.crunch_all(fn, items, workers)."""

from collections import Counter

import pytest

from harness import LoopWatch, expect, run, short, units
from harness.processes import ProcessLog, expect_free_during

# The worker processes of the pool-shutdown checks take 0.12 s to exit once told to: a pool shut down and waited
# for has none left when crunch_all returns; a pool left to wind down by itself still has every one of them for
# 0.12 s, while the check looks within a few milliseconds (55 ms at worst on a throttled machine: over 2x;
# measured under a load of 9 on 2 cores, the check came before the linger had even begun).
LINGER = units(1.2)


@pytest.mark.category("correctness")
async def test_results_in_item_order(kata):
    """Each item is computed once and the results come back in item order, though the first finishes last."""
    # Item 15 computes until every other item has been computed (the judge's record), each of them at once: the
    # other two processes finish them all meanwhile. (Items handed over one at a time: 15 gives up after 0.3 s.)
    items, workers = [15, 0, -3, 7, 7, 2, 0, 11, -8, 5], 3
    log = ProcessLog(last=15, total=len(items), last_within=units(3))
    outcome = await run(kata.crunch_all(log.square, items, workers))
    expected = [n * n for n in items]
    values = list(outcome.value or []) if outcome.returned else []
    if Counter(map(repr, values)) == Counter(map(repr, expected)):
        mistake = "results collected in the order the calls finished (asyncio.as_completed?), rather than in item order"
    elif outcome.returned and len(values) < len(items):
        mistake = f"{len(values)} results for {len(items)} items: duplicate items dropped (a set or dict of items?)"
    else:
        mistake = None
    expect(
        outcome.returned and values == expected,
        saw=f"for items {short(items)}, {outcome.describe()}",
        expected=f"the list {short(expected)}",
        mistake=mistake,
    )
    computed = [call.item for call in log.calls]
    expect(
        Counter(computed) == Counter(map(repr, items)),
        saw=f"fn called with {short(sorted(computed, key=int))}",
        expected=f"exactly one call per item, duplicates included: {short(sorted(items))}",
        mistake="duplicate items removed (a set or dict of items), or an item computed twice",
    )


@pytest.mark.category("correctness")
async def test_no_items_gives_empty_list(kata):
    """No items: returns [] and computes nothing."""
    log = ProcessLog()
    outcome = await run(kata.crunch_all(log.square, [], 2))
    expect(
        outcome.returned and outcome.value == [] and not log.calls,
        saw=f"{outcome.describe()}, with {len(log.calls)} call(s) of fn",
        expected="an empty list, and no call of fn",
    )


@pytest.mark.category("correctness")
async def test_pool_is_shut_down_on_return(kata):
    """When crunch_all returns, the pool is shut down: no process fn ran in is still there."""
    log = ProcessLog(linger=LINGER)
    outcome = await run(kata.crunch_all(log.square, [1, 2], 2))
    expect(outcome.returned, saw=outcome.describe(), expected="the list [1, 4]")
    log.expect_none_alive(after="crunch_all returned")


@pytest.mark.category("concurrency")
async def test_runs_in_worker_processes(kata):
    """fn runs in at most `workers` worker processes, never in the event loop's own process (nor a thread of it)."""
    # Four calls, two of 0.05 s and two at once: a pool of two runs them in two processes (0.05 s in all); while
    # the long two hold two processes, the other two go to other processes in a pool for every item, or in one of
    # the default size on a machine with more than two CPUs.
    items, workers = [1, 2, 3, 4], 2
    log = ProcessLog(durations={1: units(0.5), 2: units(0.5)})
    outcome = await run(kata.crunch_all(log.square, items, workers))
    expect(outcome.returned, saw=outcome.describe(), expected="the list [1, 4, 9, 16]")
    log.expect_in_other_processes()
    log.expect_at_most_workers(workers, len(items), noun="item")


@pytest.mark.category("concurrency")
async def test_runs_workers_at_once(kata):
    """With workers=3, three calls compute at the same time."""
    workers = 3
    # A rendezvous, not a stopwatch: each call waits (computing) until three are running at once, or gives up
    # 0.5 s after the first one started. Three at once meet 0.04 s after the first one starts at most (0.15 s with a
    # forkserver or in a spawn pool; the machine loaded five times over); one after another, none ever meets.
    log = ProcessLog(meet=workers, meet_within=units(5))
    outcome = await run(kata.crunch_all(log.square, [1, 2, 3], workers))
    expect(outcome.returned, saw=outcome.describe(), expected="the list [1, 4, 9]")
    calls, peak = log.calls, log.peak
    if peak <= 1 and log.in_loop_process:
        mistake = (
            "fn was called right in the coroutine, one call after another, in the event loop's own process: "
            "hand every call to a ProcessPoolExecutor with loop.run_in_executor, then await them together"
        )
    elif peak <= 1:
        mistake = (
            "only one call ran at a time: either each call is awaited before the next goes to the pool (an "
            "await inside the for loop: hand them all to the pool first, then await them together with "
            "asyncio.gather), or the pool has a single process (ProcessPoolExecutor(max_workers=workers))"
        )
    else:
        mistake = (
            f"only {peak} ran at a time: the pool has fewer processes than workers (made without "
            "max_workers=workers, it has one per CPU)"
        )
    expect(
        len(calls) == workers and all(call.met for call in calls),
        saw=f"with workers={workers} and {workers} items, at most {peak} call(s) of fn ran at the same time",
        expected=f"all {workers} computing at once, in {workers} worker processes",
        mistake=mistake,
    )


@pytest.mark.category("concurrency")
async def test_event_loop_stays_free(kata):
    """While the pool computes, the event loop keeps running other tasks."""
    # Each call computes until the event loop has had a turn since it started (a ping answered), or 0.3 s: a
    # coroutine that waits for the pool in a blocking way holds the loop, so the call it waits for takes the whole
    # 0.3 s, and so does the stall (3x the 0.1 s bound, exactly, whatever the load); a correct one lets each call
    # end a ping or two after it starts, and stalls the loop 0.02 s at most (any start method, the machine loaded
    # five times over), 55 ms on a throttled machine. Only the stretch while fn computes counts (the judge's
    # clock): starting the pool and shutting it down may block for a moment (0.27 s for a spawn pool), and `with
    # ProcessPoolExecutor() as pool:` waits there for its processes.
    async with LoopWatch() as watch:
        log = ProcessLog(turn=watch)
        outcome = await run(kata.crunch_all(log.square, [1, 2, 3, 4], 2))
    expect(outcome.returned, saw=outcome.describe(), expected="the list [1, 4, 9, 16]")
    expect_free_during(watch, log, "fn")


@pytest.mark.category("exceptions")
async def test_error_propagates_with_its_type(kata):
    """fn raises ValueError for one item: a ValueError with the same message comes out."""
    message = "cannot crunch -1"
    log = ProcessLog(errors={-1: message})
    outcome = await run(kata.crunch_all(log.square, [1, 2, -1, 3], 2))
    if isinstance(outcome.error, BaseExceptionGroup):
        mistake = "a TaskGroup's ExceptionGroup came out as it is: catch it (except*) and raise the error inside"
    elif outcome.returned:
        mistake = "the failure was returned in the list (return_exceptions=True?) or swallowed"
    else:
        mistake = "the exception was replaced by another one: let fn's own exception propagate"
    expect(
        type(outcome.error) is ValueError and str(outcome.error) == message,
        saw=f"fn raised ValueError({message!r}) for item -1, and {outcome.describe()}",
        expected=f"ValueError({message!r}) to propagate",
        mistake=mistake,
    )


@pytest.mark.category("exceptions")
async def test_pool_is_shut_down_after_error(kata):
    """When fn raises, the pool is still shut down: no process fn ran in is left."""
    log = ProcessLog(errors={-1: "cannot crunch -1"}, linger=LINGER)
    outcome = await run(kata.crunch_all(log.square, [-1, 1], 2))
    log.expect_none_alive(
        after="the error propagated" if outcome.error else f"crunch_all ended ({outcome.describe()})",
        mistake="the pool is shut down only when every call succeeds, or without waiting (shutdown(wait=False)): "
        "use `with ProcessPoolExecutor(...) as pool:`, or call pool.shutdown() in a finally block, so that it is "
        "shut down and waited for when an exception goes through too",
    )
