"""Hidden suite: background.BackgroundTasks(on_error).

The learner's object is kept in the sandbox and held here by handle; `spawn` is called in the sandbox loop's thread
with a coroutine made there from a judge's fake (harness.spawned.job), so the judge sees each job start, end and get
cancelled. `on_error` is an ErrorLog, a plain function of the judge's: a report arrives, in order, before anything
the sandbox sends after it, so "reported before aclose returned" is exact. Gated jobs never end unless the check says
so; tick jobs end after a few turns of the sandbox's loop.
"""

import pytest

from harness import (
    AtEnd,
    FakeFetch,
    KataCall,
    LoopErrors,
    Stopwatch,
    expect,
    expect_no_leaked_tasks,
    run,
    settle,
    short,
    units,
)
from harness.cleanup import GatedFetch
from harness.sandbox import RemoteObject
from harness.spawned import ErrorLog, FailsWhenCancelled, job
from harness.timing import until

SETTLE = 20  # turns of the sandbox's loop for tasks just spawned or just ended to get there
# A job's call reaches the judge within milliseconds of spawn; ten times a loaded machine's worst round trip.
AT_ONCE = units(5)
# aclose's grace period when the jobs end by themselves within a few loop turns: a correct aclose returns within
# milliseconds of the last one (60 ms at worst on a loaded machine); one that sits out its whole timeout takes
# GRACE. The bound, PROMPT, is 2.5x from the one and 6x from the other.
GRACE = units(10)
PROMPT = units(4)
# aclose's timeout where every job has already ended: any correct aclose returns at once.
ENDED = units(1)
# aclose's grace period when a job never ends: it is cancelled no sooner than SHORT after aclose was called (the
# sandbox's timer starts after the judge sent the call); one cancelled at once is cancelled within milliseconds
# (55 ms at worst on a loaded machine). The check's bound, EARLIEST, is 2x from SHORT. A job of one loop turn
# ends well within SHORT (a round trip: 55 ms at worst).
SHORT = units(1.5)
EARLIEST = SHORT / 2


async def new_tasks(kata, on_error: ErrorLog) -> RemoteObject:
    outcome = await run(kata.BackgroundTasks.in_loop_thread(on_error))
    expect(
        outcome.returned and isinstance(outcome.value, RemoteObject),
        saw=f"BackgroundTasks(on_error) {outcome.describe().removeprefix('it ')}",
        expected="a BackgroundTasks object",
        mistake="BackgroundTasks must be a class whose __init__ takes on_error",
    )
    return outcome.value


async def spawn(tasks: RemoteObject, fake: FakeFetch, key) -> RemoteObject:
    outcome = await run(tasks.spawn.in_loop_thread(job(fake, key)))
    expect(
        outcome.returned and isinstance(outcome.value, RemoteObject) and "Task" in outcome.value.type_name,
        saw=f"spawn(coro) {outcome.describe().removeprefix('it ')}",
        expected="the task it started (an asyncio.Task)",
    )
    return outcome.value


async def length(tasks: RemoteObject):
    outcome = await run(tasks.method("__len__").in_loop_thread())
    return outcome.value if outcome.returned else outcome.describe()


async def until_calls(fake: FakeFetch, count: int, within: float = AT_ONCE) -> bool:
    return await until(lambda: len(fake.calls) >= count, within)


async def until_ended(fake: FakeFetch, within: float = units(10)) -> None:
    await until(lambda: not fake.running, within)
    await settle(SETTLE)


def failures(*keys: str) -> dict:
    return {key: ConnectionError(f"job {key} failed") for key in keys}


@pytest.mark.category("correctness")
async def test_spawn_runs_the_coroutine_and_len_counts(kata):
    """spawn starts each coroutine as a task at once and returns it; len() counts the tasks not yet done."""
    log = ErrorLog()
    tasks = await new_tasks(kata, log)
    jobs = GatedFetch()
    for key in "abc":
        await spawn(tasks, jobs, key)
    started = await until_calls(jobs, 3)
    running = await length(tasks)
    jobs.open()
    await until_ended(jobs)
    after = await length(tasks)
    expect(
        started and jobs.keys == ["a", "b", "c"],
        saw=f"three coroutines spawned; {len(jobs.calls)} of them had started {AT_ONCE:.2f} s later",
        expected="each one running as a task at once, without anyone awaiting it",
        mistake="spawn must start the coroutine as a task (asyncio.create_task / ensure_future), not keep it for later",
    )
    expect(
        running == 3 and after == 0,
        saw=f"len() was {short(running)} while three spawned tasks ran, and {short(after)} once they had ended",
        expected="3, then 0",
        mistake="finished tasks are still counted: drop each task when it ends (task.add_done_callback), or count "
        "only those not done"
        if running == 3
        else None,
    )
    await run(tasks.aclose(ENDED))
    await expect_no_leaked_tasks(after="every task ended and aclose returned")


@pytest.mark.category("concurrency")
async def test_spawned_tasks_run_at_once(kata):
    """Three spawned tasks that run until told to stop all run at the same time."""
    tasks = await new_tasks(kata, ErrorLog())
    jobs = GatedFetch()
    for key in "abc":
        await spawn(tasks, jobs, key)
    together = await until_calls(jobs, 3)
    jobs.open()
    await until_ended(jobs)
    await run(tasks.aclose(ENDED))
    expect(
        together and jobs.peak == 3,
        saw=f"three coroutines spawned; at most {jobs.peak} ran at a time",
        expected="all three running at once, each a task of its own",
        mistake="the coroutines are run one after another (a single worker, or each task awaiting the one before)",
    )


@pytest.mark.category("exceptions")
async def test_each_failure_reported_once_when_it_happens(kata):
    """Spawned tasks that raise: each exception is passed to on_error once, when its task ends, and nothing is left
    unretrieved; a task that returns is not reported."""
    errors = failures("a", "c")
    jobs = FakeFetch(ticks=True, delays={"a": 2, "b": 3, "c": 5}, errors=errors)
    log = ErrorLog()
    async with LoopErrors() as loop_errors:
        tasks = await new_tasks(kata, log)
        for key in "abc":
            await spawn(tasks, jobs, key)
        await until_calls(jobs, 3)  # a task spawned last may not have called its job yet: none running is not enough
        await until_ended(jobs)
        before_close = [log.count(error) for error in errors.values()]
        await run(tasks.aclose(ENDED))
    counts = [log.count(error) for error in errors.values()]
    expect(
        before_close == [1, 1],
        saw=f"two spawned tasks raised; once they had ended (before aclose), on_error had been given "
        f"{short(log.errors)}",
        expected="each exception, the very object, passed to on_error once when its task ended: "
        f"{short(list(errors.values()))}",
        mistake="failures are looked at only in aclose: report each one when its task ends (task.add_done_callback)"
        if before_close == [0, 0]
        else None,
    )
    expect(
        counts == [1, 1] and len(log.reports) == 2,
        saw=f"by the end of aclose, on_error had been given {short(log.errors)}",
        expected="each failure exactly once, and nothing else",
        mistake="failures reported twice: once when the task ended, and again in aclose" if max(counts) > 1 else None,
    )
    loop_errors.expect_none()
    await expect_no_leaked_tasks(after="aclose returned")


@pytest.mark.category("exceptions")
async def test_cancellation_is_not_an_error(kata):
    """A spawned task cancelled through the task spawn returned, and one cancelled by aclose: neither is reported,
    and the event loop reports nothing."""
    log = ErrorLog()
    jobs = GatedFetch()
    async with LoopErrors() as loop_errors:
        tasks = await new_tasks(kata, log)
        first = await spawn(tasks, jobs, "cancelled by hand")
        await spawn(tasks, jobs, "cancelled by aclose")
        await until_calls(jobs, 2)
        await run(first.method("cancel").in_loop_thread())
        await settle(SETTLE)
        await run(tasks.aclose(units(0.5)))
    expect(
        not log.reports,
        saw=f"two spawned tasks were cancelled, and on_error was given {short(log.errors)}",
        expected="on_error never called: a cancellation is not a failure",
        mistake="task.exception() raises CancelledError for a cancelled task: check task.cancelled() first",
    )
    loop_errors.expect_none(
        mistake="task.exception() raises CancelledError on a cancelled task: a done callback that calls it must "
        "check task.cancelled() first"
    )


@pytest.mark.category("exceptions")
async def test_failure_while_closing_is_reported(kata):
    """A task that raises while aclose cancels it: that exception is passed to on_error once, before aclose
    returns."""
    error = ConnectionError("cleanup failed")
    jobs = FailsWhenCancelled(error)
    log = ErrorLog()
    async with LoopErrors() as loop_errors:
        tasks = await new_tasks(kata, log)
        await spawn(tasks, jobs, "a")
        await until_calls(jobs, 1)
        close = tasks.aclose(units(0.5))
        seen: list[int] = []
        close.on_end.append(lambda: seen.append(log.count(error)))
        outcome = await run(close)
        await settle(SETTLE)
    expect(
        outcome.returned and seen == [1] and log.count(error) == 1,
        saw=f"the task raised {short(error)} while aclose cancelled it; aclose {outcome.describe().removeprefix('it ')}"
        f" having reported it {seen[0] if seen else 0} time(s), and {log.count(error)} time(s) in all",
        expected="aclose returns, having passed that exception to on_error exactly once",
        mistake="an exception raised while a task is being cancelled is a failure like any other: report every task's "
        "exception when it ends, cancelled or not, and wait for the cancelled tasks before returning",
    )
    loop_errors.expect_none()


@pytest.mark.category("exceptions")
async def test_failure_during_the_grace_period(kata):
    """A task raises while aclose waits for it and another runs on: aclose reports the failure once, does not raise
    it, and still cancels the other task once the timeout has passed."""
    error = ConnectionError("job a failed")
    failing, stuck = FakeFetch(ticks=True, delay=1, errors={"a": error}), GatedFetch()
    log = ErrorLog()
    tasks = await new_tasks(kata, log)
    await spawn(tasks, stuck, "stuck")
    await until_calls(stuck, 1)
    await spawn(tasks, failing, "a")
    at_end = AtEnd(stuck)
    outcome = await run(at_end.watch(tasks.aclose(SHORT)))
    expect(
        outcome.returned and log.count(error) == 1 and at_end.outcome("stuck") == "cancelled",
        saw=f"a task raised {short(error)} during aclose's grace period; aclose "
        f"{outcome.describe().removeprefix('it ')}, on_error had been given {short(log.errors)}, and "
        + at_end.describe(stuck, "the other task"),
        expected="aclose returns normally once the other task has been cancelled and has ended; the failure goes "
        "to on_error, once",
        mistake="a task's failure came out of aclose: gather without return_exceptions=True raises the first "
        "failure (and leaves the other tasks running); wait with asyncio.wait, which raises nothing"
        if outcome.error is error
        else None,
    )
    await expect_no_leaked_tasks(after="aclose returned")


@pytest.mark.category("exceptions")
async def test_spawn_after_aclose_raises(kata):
    """Once aclose has been called, spawn raises RuntimeError, never runs the coroutine, and closes it (nothing
    warns "never awaited")."""
    jobs = GatedFetch()
    late = FakeFetch(delay=0)
    async with LoopErrors():
        tasks = await new_tasks(kata, ErrorLog())
        await spawn(tasks, jobs, "running")
        await until_calls(jobs, 1)
        close = KataCall(tasks.aclose(units(3)))
        await settle(SETTLE)
        during = await run(tasks.spawn.in_loop_thread(job(late, "during aclose")))
        jobs.open()
        await close.outcome()
        after = await run(tasks.spawn.in_loop_thread(job(late, "after aclose")))
        await settle(SETTLE)
    for when, outcome in (("while aclose waited", during), ("after aclose returned", after)):
        expect(
            isinstance(outcome.error, RuntimeError),
            saw=f"spawn called {when}: it {outcome.describe().removeprefix('it ')}",
            expected="RuntimeError: a closed BackgroundTasks takes no new task",
            mistake="aclose must set a flag (closed) as its very first step, which spawn checks",
        )
    expect(
        not late.calls,
        saw=f"a coroutine refused by spawn ran anyway ({short(late.keys)})",
        expected="it never runs",
    )


@pytest.mark.category("timeout")
async def test_aclose_returns_once_the_tasks_end(kata):
    """aclose with tasks that end by themselves soon: it waits for them (none is cancelled) and returns as soon as
    they have ended, not after its whole timeout."""
    jobs = FakeFetch(ticks=True, delays={"a": 3, "b": 6})
    tasks = await new_tasks(kata, ErrorLog())
    for key in "ab":
        await spawn(tasks, jobs, key)
    at_end = AtEnd(jobs)
    with Stopwatch() as watch:
        outcome = await run(at_end.watch(tasks.aclose(GRACE)))
    expect(
        at_end.outcomes() == ["returned", "returned"],
        saw=f"aclose({GRACE:.2f}) {outcome.describe().removeprefix('it ')}; by then "
        + at_end.describe(jobs, "the jobs"),
        expected="both tasks finished normally before aclose returned",
        mistake="aclose cancelled the tasks without giving them their grace period"
        if jobs.cancelled
        else "aclose returned without waiting for the running tasks",
    )
    expect(
        watch.elapsed <= PROMPT,
        saw=f"the tasks ended within a few loop turns, and aclose({GRACE:.2f}) took {watch.elapsed:.2f} s",
        expected=f"aclose to return as soon as they had ended, well under {PROMPT:.2f} s",
        mistake="it sat out the whole timeout (asyncio.sleep(timeout)): wait for the tasks with a timeout instead "
        "(asyncio.wait(tasks, timeout=timeout))",
    )
    await expect_no_leaked_tasks(after="aclose returned")


@pytest.mark.category("timeout")
async def test_aclose_cancels_what_is_left_after_the_timeout(kata):
    """aclose with a task that would run forever: it is cancelled once the timeout has passed (not before), and has
    ended by the time aclose returns; a task that ended in time is not touched."""
    stuck, quick = GatedFetch(), FakeFetch(ticks=True, delay=1)
    tasks = await new_tasks(kata, ErrorLog())
    await spawn(tasks, stuck, "stuck")
    await spawn(tasks, quick, "quick")
    await until_calls(stuck, 1)
    at_end = AtEnd(stuck, quick)
    close = at_end.watch(tasks.aclose(SHORT))
    outcome = await run(close)
    cancelled_after = (
        stuck.calls[0].cancel_arrived - close.started_at if stuck.calls[0].cancel_arrived is not None else None
    )
    expect(
        outcome.returned and at_end.outcome("stuck", stuck) == "cancelled",
        saw=f"aclose({SHORT:.2f}) {outcome.describe().removeprefix('it ')}; by then "
        + at_end.describe(stuck, "the task that never ends by itself"),
        expected="it returns once that task has been cancelled and has ended",
        mistake="the task was cancelled but aclose did not wait for it to end: await it after cancelling"
        if stuck.cancelled or at_end.outcome("stuck", stuck) == "running" and stuck.calls[0].cancel_arrived
        else "the task left running was never cancelled",
    )
    expect(
        cancelled_after is not None and cancelled_after >= EARLIEST,
        saw=f"the task was cancelled {cancelled_after:.2f} s after aclose({SHORT:.2f}) was called"
        if cancelled_after is not None
        else "the task was never cancelled",
        expected=f"cancelled only once the {SHORT:.2f} s grace period had passed",
        mistake="aclose cancels at once: first wait up to timeout seconds (asyncio.wait(tasks, timeout=timeout))",
    )
    expect(
        at_end.outcome("quick", quick) == "returned",
        saw="a task that would end in a few loop turns was " + at_end.describe(quick, "it"),
        expected="it ends by itself within the grace period",
    )
    await expect_no_leaked_tasks(after="aclose returned")


async def cancelled_aclose(kata) -> tuple:
    jobs = GatedFetch()
    tasks = await new_tasks(kata, ErrorLog())
    await spawn(tasks, jobs, "a")
    await until_calls(jobs, 1)
    at_end = AtEnd(jobs)
    close = KataCall(at_end.watch(tasks.aclose(GRACE)))
    await settle(SETTLE)
    close.cancel()
    outcome = await close.outcome()
    await settle(SETTLE)
    return outcome, at_end, jobs


@pytest.mark.category("timeout")
async def test_cancelled_aclose_cancels_the_tasks(kata):
    """The caller of aclose is cancelled during the grace period: the running tasks are cancelled, and have ended
    by the time aclose ends."""
    outcome, at_end, jobs = await cancelled_aclose(kata)
    expect(
        at_end.outcome("a", jobs) == "cancelled",
        saw=f"aclose, cancelled while it waited, {outcome.describe().removeprefix('it ')}; by then "
        + at_end.describe(jobs, "the running task"),
        expected="the running task cancelled, and its end awaited, before aclose ends",
        mistake="cancelling aclose leaves the tasks running: cancel and await them in a finally: (or an except "
        "asyncio.CancelledError:) before the cancellation goes on",
    )
    await expect_no_leaked_tasks(after="aclose ended")


@pytest.mark.category("exceptions")
async def test_cancelled_aclose_ends_cancelled(kata):
    """The caller of aclose is cancelled during the grace period: aclose ends cancelled."""
    outcome, _, _ = await cancelled_aclose(kata)
    expect(
        outcome.cancelled,
        saw=f"aclose, cancelled while it waited, {outcome.describe().removeprefix('it ')}",
        expected="it ends cancelled, once the tasks are cancelled and have ended",
        mistake="the CancelledError was caught and not raised again",
    )
