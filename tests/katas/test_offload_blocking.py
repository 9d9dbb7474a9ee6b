"""Hidden suite: offload_blocking.read_all(read_blocking, paths)."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from harness import STALL_BOUND, LoopErrors, LoopWatch, Stopwatch, expect, run, seconds, settle, short, units
from harness.blocking import FakeBlocking
from harness.checks import expect_one_result_per_input
from harness.inputs import text

# (path, how long its call blocks, in milliseconds): paths repeat, calls finish in every order.
paths_and_delays = st.lists(st.tuples(text(3), st.integers(0, 3)), max_size=8)


def expect_worker_threads(fake: FakeBlocking, stall: float | None = None) -> None:
    """The thread record is exact: no call of read_blocking in the event loop's own thread."""
    blocked = f", and the loop was blocked for {seconds(stall)} at a stretch" if stall is not None else ""
    expect(
        not fake.in_loop_thread,
        saw=f"{len(fake.in_loop_thread)} of {len(fake.calls)} calls of read_blocking made in the event loop's "
        f"own thread{blocked}",
        expected="every call in a worker thread, the event loop free meanwhile",
        mistake="calling read_blocking(path) in a coroutine blocks the whole loop, and so does "
        "asyncio.to_thread(read_blocking(path)), which calls it right away: pass the function and its argument "
        "separately, asyncio.to_thread(read_blocking, path)",
    )


@pytest.mark.category("correctness")
@given(paths_and_delays)
@example([("slow", 50), ("fast", 0), ("middle", 25)])
async def test_results_in_path_order(kata, pairs):
    """Each path is read once per occurrence and the results come back in path order."""
    paths = [path for path, _ in pairs]
    fake = FakeBlocking(delays={path: units(ms / 100) for path, ms in pairs})
    outcome = await run(kata.read_all(fake, paths))
    await fake.finished()
    expect_one_result_per_input(outcome, fake, paths, noun="path", function="read_blocking")


@pytest.mark.category("correctness")
async def test_no_paths_gives_empty_list(kata):
    """No paths: returns [] and calls nothing."""
    fake = FakeBlocking()
    outcome = await run(kata.read_all(fake, []))
    expect(
        outcome.returned and outcome.value == [] and not fake.calls,
        saw=f"{outcome.describe()}, with {len(fake.calls)} call(s) of read_blocking",
        expected="an empty list, and no call of read_blocking",
    )


@pytest.mark.category("concurrency")
async def test_all_calls_run_at_once(kata):
    """Five blocking calls of 0.1 s run at the same time, in worker threads: about 0.1 s in all, not 0.5 s."""
    fake = FakeBlocking(delay=units(1))
    paths = [f"file-{index}.txt" for index in range(5)]  # five: the default pool has at least 5 workers
    with Stopwatch() as watch:
        outcome = await run(kata.read_all(fake, paths))
    await fake.finished()
    expect_worker_threads(fake)
    expect(outcome.returned, saw=outcome.describe(), expected="a list of five results")
    # The peak counter is exact. At once: 0.1 s (0.105 s at most, the machine loaded); one after another: 0.5 s.
    # The bound, 0.25 s, is 2.5x the one and 2x short of the other.
    fake.expect_all_at_once(len(paths), watch.elapsed, bound=units(2.5))


@pytest.mark.category("concurrency")
async def test_event_loop_stays_free(kata):
    """While four calls block their threads, the event loop keeps running other tasks."""
    # Each call blocks until the event loop has had a turn since it started (a ping answered), or 0.3 s: code that
    # waits for a thread in a blocking way holds the loop, so the call it waits for blocks the whole 0.3 s, and so
    # does the stall (exactly, whatever the load); code that awaits it lets it end a ping or two after it starts.
    async with LoopWatch() as watch:
        fake = FakeBlocking(delay=0, turn=watch)
        outcome = await run(kata.read_all(fake, ["a.txt", "b.txt", "c.txt", "d.txt"]))
    await fake.finished()
    # The thread record is exact: a call made in the loop's thread blocks the loop for all of its 0.3 s.
    expect_worker_threads(fake, watch.longest_stall)
    expect(outcome.returned, saw=outcome.describe(), expected="a list of four results")
    if watch.sleep_calls:
        watch.expect_free()  # time.sleep in the learner's coroutine: that message names the line
    # A loop that waits on a thread in a blocking way (future.result()) stalls 0.3 s at least, 3x STALL_BOUND
    # (0.1 s); a correct solution shows a few milliseconds (starting the threads).
    expect(
        watch.longest_stall <= STALL_BOUND,
        saw=f"the calls ran in worker threads, but the event loop was blocked for {seconds(watch.longest_stall)} "
        "at a stretch",
        expected=f"no stall longer than {seconds(STALL_BOUND)}: the loop runs other tasks while the threads block",
        mistake="the coroutine waited for the threads in a blocking way (future.result(), "
        "concurrent.futures.wait, or leaving a `with ThreadPoolExecutor()` block while they run): "
        "await them instead (asyncio.to_thread, or asyncio.wrap_future around an executor's future)",
    )


@pytest.mark.category("exceptions")
async def test_failure_propagates_unchanged(kata):
    """A call that raises: that very exception comes out of read_all, not wrapped and not returned."""
    failure = FileNotFoundError(2, "No such file or directory", "b.txt")
    fake = FakeBlocking(delay=units(0.1), errors={"b.txt": failure})
    outcome = await run(kata.read_all(fake, ["a.txt", "b.txt", "c.txt"]))
    await fake.finished()
    if isinstance(outcome.error, BaseExceptionGroup):
        mistake = "a TaskGroup's ExceptionGroup came out as it is: catch it (except*) and raise the call's own error"
    elif outcome.returned:
        mistake = "the failure was returned in the list (return_exceptions=True?) or swallowed"
    else:
        mistake = "the exception was replaced by another one"
    expect(
        outcome.error is failure,
        saw=outcome.describe(),
        expected=f"read_blocking's own exception, {short(failure)}, raised as it is",
        mistake=mistake,
    )


@pytest.mark.category("exceptions")
async def test_no_failure_left_unretrieved(kata):
    """Two calls fail at different times: one error propagates and none is left unretrieved (in a task or future)."""
    failures = {"first.txt": ValueError("first failed"), "second.txt": PermissionError("second failed")}
    fake = FakeBlocking(
        delays={"first.txt": units(0.1), "second.txt": units(0.4), "slow.txt": units(0.8)}, errors=failures
    )
    async with LoopErrors() as loop_errors:
        outcome = await run(kata.read_all(fake, ["first.txt", "second.txt", "slow.txt"]))
        await fake.finished()  # every call has ended and the loop has seen each outcome
        await settle(20)
    expect(
        any(outcome.error is failure for failure in failures.values()),
        saw=outcome.describe(),
        expected="one of read_blocking's own exceptions, raised as it is",
    )
    loop_errors.expect_none()
