"""Hidden suite: shutdown.serve(jobs, handle, *, grace).

serve runs in a task of the sandbox's event loop, in its main thread. `jobs` is a FakeSource (its reads complete
when the check releases them, so the check knows when a read is pending) and `handle` a FakeFetch: the judge sees
every read and every handle start, end and get cancelled. Signals are the judge's own, sent to the sandbox's
process (harness.signals.SignalSender) only once the kernel says the sandbox catches SIGTERM, at known times; the
kernel also says whether the handlers are gone once serve has ended.
"""

import math
import signal

import pytest

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
from harness.cleanup import GatedFetch
from harness.fakes import describe_outcomes
from harness.sandbox import SandboxEnded, current_sandbox
from harness.signals import SignalSender
from harness.sources import FakeSource, Release
from harness.tasks import Rendezvous

# What a correct serve does within milliseconds (start a handle, read the next job, install its handlers) the
# check waits for up to AT_ONCE: over five times a loaded machine's worst round trip (55 ms). A serve that awaits
# each handle in turn makes nearly every check wait this long, so it is kept short.
AT_ONCE = units(3)
# The grace period when a handle never ends: it is cancelled no sooner than GRACE after the signal; one cancelled
# at once is cancelled within milliseconds (55 ms at worst on a loaded machine). The checks' bound, EARLIEST, is over
# 2x from that worst. A correct serve cannot come near it from the other side: the signal's time is read before it
# is sent, and serve's grace timer starts only once its handler has run, so its cancellation arrives GRACE or more
# after it, whatever the load. So a check where no handle is to finish within the grace period uses SHORT_GRACE,
# just past the bound. A handle that is to finish within it ends once serve has acted on the signal (a few ms, far
# more on a machine loaded past the policy's two busy loops): that check keeps the longer GRACE.
GRACE = units(2.5)
SHORT_GRACE = units(1.5)
EARLIEST = units(1.2)
# Handles that end just after the signal (once serve has acted on it), with a long grace period LONG_GRACE: a
# correct serve returns right after them; one that sits out the whole grace period takes LONG_GRACE. PROMPT is 2.5x
# from LONG_GRACE, and far from the few turns a correct serve takes.
LONG_GRACE = units(10)
PROMPT = units(4)
READ_PATIENCE = units(1)
SETTLE = 20  # turns of the sandbox's loop for serve to act on what it was just given (a few are enough)


class Failure(Exception):
    """An error a handle or the job source raises."""


def jobs_of(items: list, *, then: str = "end", error: BaseException | None = None) -> FakeSource:
    """A job source of `items`, each read completing at once; then the iteration ends (`then="end"`), raises
    `error`, or the next read waits until the check releases it (`then="wait"`: a pending read a signal must
    cancel)."""
    release = Release()
    source = FakeSource("jobs", items, release, error=error)
    source.released = len(items) + (0 if then == "wait" else 1)
    return source


def _handlers_removed(sender: SignalSender, how: str) -> None:
    expect(
        not sender.handled(),
        saw=f"serve {how}, and the process still had a handler for SIGTERM",
        expected="both signal handlers removed before serve returns or raises",
        mistake="call loop.remove_signal_handler(signal.SIGINT) and (signal.SIGTERM) in a finally block, so that "
        "it runs however serve ends",
    )


async def _ready(call: KataCall, sender: SignalSender, handle: FakeFetch, count: int, jobs: FakeSource) -> None:
    """Until `count` handles have started and serve waits for its next job (or the jobs have ended), with its
    SIGTERM handler installed."""
    await call.until(
        lambda: sender.handled() and len(handle.calls) >= count and (jobs.pending is not None or jobs.finished),
        AT_ONCE,
    )
    # What the judge just answered (a job, the end of the jobs) has been acted on there: each ping is answered in a
    # turn of the sandbox's loop after everything sent before it was read.
    await current_sandbox().turns(SETTLE)
    if call.task.done():
        outcome = await call.outcome()  # a stub's NotImplementedError makes the kata "not started"
        expect(
            False,
            saw=f"serve {outcome.describe().removeprefix('it ')}, before the judge sent any signal, while "
            f"{count} handle(s) it started still ran",
            expected="serve to run until its jobs end or a signal comes",
        )
    expect(
        sender.handled(),
        saw=f"no handler for SIGTERM {seconds(AT_ONCE)} after serve started",
        expected="handlers for SIGINT and SIGTERM, installed with loop.add_signal_handler",
        mistake="loop = asyncio.get_running_loop(), then loop.add_signal_handler(signal.SIGTERM, callback) (and the "
        "same for SIGINT) before taking jobs",
    )
    expect(
        len(handle.calls) >= count,
        saw=f"{len(handle.calls)} handle(s) started {seconds(AT_ONCE)} after {count} job(s) were given",
        expected=f"{count} handle(s) running",
    )
    expect(
        jobs.pending is not None or jobs.finished,
        saw=f"{count} handle(s) running, and serve had not asked for the next job {seconds(AT_ONCE)} later",
        expected="serve to go on reading jobs while the handles run",
        mistake="each handle is awaited before the next job is read: start it as a task and go on reading",
    )


async def acted_on(sender: SignalSender) -> None:
    """Until serve's handler has run for the signal just sent, and anything it did at once has reached the judge:
    the kernel delivers a pending signal to the sandbox before it reads anything more, its handler is called
    within a few turns of its loop, and each ping is answered after what the loop sent before it."""
    await current_sandbox().turns(SETTLE)
    await settle()


async def _ended(call: KataCall, sender: SignalSender):
    """The call's outcome; a process that ended on the judge's signal fails the check, saying why."""
    try:
        return await call.outcome()
    except SandboxEnded as ended:
        names = ", ".join(sent.name for sent in sender.sent)
        expect(
            False,
            saw=f"the process running serve ended after the judge sent {names}: {ended}",
            expected="serve's handlers to take every signal",
            mistake="no handler for that signal: SIGINT raises KeyboardInterrupt wherever the code is, SIGTERM ends "
            "the process. Install both with loop.add_signal_handler, and keep them until serve returns",
        )


@pytest.mark.category("correctness")
async def test_runs_every_job_and_returns_0(kata):
    """Every job is handled once, in order of arrival; when the jobs end, serve waits for the handles, returns 0
    and removes its signal handlers."""
    for items in (["a", "b", "c"], []):
        sender = SignalSender()
        jobs = jobs_of(items)
        handle = GatedFetch()  # the handles finish only once serve has read the end of the jobs and acted on it
        at_end = AtEnd(handle)
        call = KataCall(at_end.watch(kata.serve(jobs, handle, grace=units(10))))
        await call.until(
            lambda jobs=jobs, handle=handle, items=items: jobs.finished and len(handle.calls) >= len(items), AT_ONCE
        )
        await current_sandbox().turns(SETTLE)
        early = call.task.done() and bool(items)
        handle.open()
        outcome = await call.outcome()
        expect(
            outcome.returned and outcome.value == 0 and not early,
            saw=f"serve {outcome.describe().removeprefix('it ')} as soon as the jobs ended, while the handles "
            f"still ran (they were then {describe_outcomes(handle.calls)})"
            if early
            else f"with jobs {short(items)} and handles that all finish, {outcome.describe()}",
            expected="serve to wait for every running handle once the jobs have ended, then 0",
            mistake="the jobs ending is not the end: await the handles' tasks (asyncio.wait or gather) before returning"
            if early
            else None,
        )
        expect(
            handle.keys == items and at_end.outcomes(handle) == ["returned"] * len(items),
            saw=f"handle called with {short(handle.keys)}: {describe_outcomes(handle.calls)}",
            expected=f"once per job, in the order they came ({short(items)}), each run to its end",
        )
        _handlers_removed(sender, "returned")
    await expect_no_leaked_tasks(after="serve returned")


@pytest.mark.category("concurrency")
async def test_handles_start_as_jobs_arrive_and_run_at_once(kata):
    """Each handle starts as soon as its job arrives, before the next job comes, and they all run at once."""
    release = Release()
    jobs = FakeSource("jobs", ["a", "b", "c"], release)
    handle = Rendezvous(3, patience=units(3), delay=0)
    call = KataCall(kata.serve(jobs, handle, grace=units(10)))
    early = []
    for index in range(3):
        await release.release(jobs)
        early.append(await call.until(lambda count=index + 1: len(handle.calls) >= count, AT_ONCE))
        if not early[-1]:
            call.cancel()  # the check fails below: no need to wait for one handle after another
            break
    release.release_all(jobs)
    outcome = await call.outcome()
    expect(
        all(early),
        saw=f"jobs handed over one at a time; the handles had started for {early.count(True)} of them before the "
        "next job came" + ("" if all(early) else f" (waited {seconds(AT_ONCE)} for the next one)"),
        expected="handle(job) started as soon as each job arrives",
        mistake="the jobs are all collected first and handled afterwards: start a task for each job as it comes",
    )
    expect(
        handle.met and outcome.returned and outcome.value == 0,
        saw=f"at most {handle.peak} handle(s) ran at a time; serve then {outcome.describe().removeprefix('it ')}",
        expected="all three handles running at once, then 0",
        mistake="each handle is awaited before the next job is taken: start it as a task (create_task) and go on "
        "reading",
    )


@pytest.mark.category("exceptions")
async def test_a_failing_handle_stops_nothing(kata):
    """A handle that raises does not stop the others, its exception is retrieved, and serve returns 1."""
    failure = Failure("handle b failed")
    jobs = jobs_of(["a", "b", "c"])
    handle = FakeFetch(delays={"a": units(0.5), "b": units(0.1), "c": units(0.5)}, errors={"b": failure})
    async with LoopErrors() as errors:
        outcome = await run(kata.serve(jobs, handle, grace=units(10)))
    expect(
        outcome.returned and outcome.value == 1,
        saw=f"one of three handles raised {short(failure)}: {outcome.describe()}",
        expected="1, once the other two handles have finished",
        mistake="a handle's exception must not come out of serve: it only makes the result 1"
        if outcome.error is not None
        else None,
    )
    finished = [call.key for call in handle.calls if call.outcome == "returned"]
    expect(
        sorted(finished) == ["a", "c"],
        saw=f"the other handles: {describe_outcomes([c for c in handle.calls if c.key != 'b'])}",
        expected="a and c to run to their end",
        mistake="the failure of one handle cancelled the others (a TaskGroup cancels everything on the first "
        "error): keep the handles' tasks apart, and only look at their outcomes",
    )
    errors.expect_none(
        mistake="a handle's task failed and nobody retrieved its exception: look at each task's outcome when it "
        "ends (task.exception() in a done callback, or asyncio.wait's done set)"
    )
    await expect_no_leaked_tasks(after="serve returned")


@pytest.mark.category("timeout")
async def test_signal_gives_grace_then_cancels(kata):
    """SIGTERM: the pending read is cancelled, a handle that finishes within the grace period finishes, the one
    left is cancelled once the grace period is over; serve returns 1."""
    sender = SignalSender()
    jobs = jobs_of(["quick", "stuck"], then="wait")
    handle = GatedFetch(gated={"quick"}, delays={"stuck": math.inf})
    at_end = AtEnd(handle)
    async with LoopErrors() as errors, LoopWatch() as watch:
        call = KataCall(at_end.watch(kata.serve(jobs, handle, grace=GRACE)))
        await _ready(call, sender, handle, 2, jobs)
        sent = sender.send(signal.SIGTERM)
        # The quick handle ends only once serve has acted on the signal: one that cancels at once has done so.
        await acted_on(sender)
        handle.open()
        outcome = await _ended(call, sender)
    stuck = next(c for c in handle.calls if c.key == "stuck")
    after = None if stuck.cancel_arrived is None else stuck.cancel_arrived - sent.at
    expect(
        outcome.returned and outcome.value == 1,
        saw=f"SIGTERM while two handles ran, one of which never ends: {outcome.describe()}",
        expected="1: a handle had to be cancelled",
    )
    expect(
        at_end.outcome("quick") == "returned",
        saw=f"the handle that finished soon after the signal was {at_end.outcome('quick')} when serve returned",
        expected=f"it to finish: the grace period is {seconds(GRACE)}",
        mistake="the handles are cancelled as soon as the signal comes: give them up to `grace` seconds first "
        "(asyncio.wait(tasks, timeout=grace))",
    )
    expect(
        at_end.outcome("stuck") == "cancelled" and after is not None and after >= EARLIEST,
        saw=f"the handle that never ends was {at_end.outcome('stuck')} when serve returned"
        + (f", its cancellation arriving {seconds(after)} after the signal" if after is not None else ""),
        expected=f"it cancelled once the grace period ({seconds(GRACE)}) was over, and waited for",
        mistake="cancel the handles left after the grace period, then wait until they have ended",
    )
    expect(
        jobs.reads[-1].outcome == "cancelled" and len(handle.calls) == 2,
        saw=f"after the signal the pending read of the jobs was {jobs.reads[-1].outcome}",
        expected="the read under way cancelled: no job taken after a signal",
        mistake="stop taking jobs when the signal comes: cancel the task that reads them",
    )
    errors.expect_none()
    watch.expect_free()
    _handlers_removed(sender, "returned after a signal")
    await expect_no_leaked_tasks(after="serve returned after a signal")


@pytest.mark.category("timeout")
async def test_returns_as_soon_as_handles_finish(kata):
    """SIGINT with a long grace period: serve returns 0 as soon as the running handles have finished, not at the
    end of the grace period."""
    sender = SignalSender()
    jobs = jobs_of(["a", "b"], then="wait")
    handle = GatedFetch()
    call = KataCall(kata.serve(jobs, handle, grace=LONG_GRACE))
    await _ready(call, sender, handle, 2, jobs)
    sent = sender.send(signal.SIGINT)
    # The handles end only once serve has acted on the signal and the judge has seen its pending read cancelled
    # (that takes a round trip to the judge), and the sandbox's loop has taken a few turns more: serve is then
    # waiting for them with its grace period. A serve that cancels the read later gets the handles ended after
    # READ_PATIENCE all the same, far within PROMPT.
    await acted_on(sender)
    await call.until(lambda: bool(jobs.reads) and jobs.reads[-1].outcome == "cancelled", READ_PATIENCE)
    await current_sandbox().turns(SETTLE)
    handle.open()
    outcome = await _ended(call, sender)
    took = (call.call.ended_at or sent.at) - sent.at
    expect(
        outcome.returned and outcome.value == 0 and took <= PROMPT,
        saw=f"SIGINT while two handles ran that finished just after it, with a grace period of {seconds(LONG_GRACE)}: "
        f"{outcome.describe()}, {seconds(took)} after the signal",
        expected=f"0 as soon as both handles have finished (within {seconds(PROMPT)})",
        mistake="the whole grace period is sat out (asyncio.sleep(grace)): wait for the handles with a timeout "
        "instead, asyncio.wait(tasks, timeout=grace), which returns as soon as they are done"
        if outcome.returned and took > PROMPT
        else None,
    )
    _handlers_removed(sender, "returned after a signal")
    await expect_no_leaked_tasks(after="serve returned after a signal")


@pytest.mark.category("timeout")
async def test_second_signal_is_ignored(kata):
    """A second signal during the grace period changes nothing: the handle still gets the rest of its grace."""
    sender = SignalSender()
    jobs = jobs_of(["slow"], then="wait")
    handle = GatedFetch()
    at_end = AtEnd(handle)
    call = KataCall(at_end.watch(kata.serve(jobs, handle, grace=LONG_GRACE)))
    await _ready(call, sender, handle, 1, jobs)
    sender.send(signal.SIGTERM)
    await acted_on(sender)
    sender.send(signal.SIGINT)
    await acted_on(sender)  # the handle ends only once serve has acted on both signals
    handle.open()
    outcome = await _ended(call, sender)
    expect(
        outcome.returned and outcome.value == 0 and at_end.outcome("slow") == "returned",
        saw=f"SIGTERM, then SIGINT, while a handle ran that finished soon after, with a grace period of "
        f"{seconds(LONG_GRACE)}: {outcome.describe()}; the handle was {at_end.outcome('slow')}",
        expected="the handle to finish within its grace period, and 0",
        mistake="a second signal cuts the grace period short (or restarts the shutdown): once stopping has begun, "
        "further signals must change nothing",
    )
    await expect_no_leaked_tasks(after="serve returned after two signals")


@pytest.mark.category("timeout")
async def test_signal_after_the_jobs_ended(kata):
    """The jobs have ended and a handle still runs: a signal then still gives it the grace period and cancels it."""
    sender = SignalSender()
    jobs = jobs_of(["stuck"])
    handle = FakeFetch(delay=math.inf)
    at_end = AtEnd(handle)
    call = KataCall(at_end.watch(kata.serve(jobs, handle, grace=SHORT_GRACE)))
    await _ready(call, sender, handle, 1, jobs)
    expect(
        jobs.finished,
        saw=f"one job given, then the end of the jobs; {seconds(AT_ONCE)} later serve had not read that end",
        expected="the jobs read to their end while the handle runs",
        mistake="each handle is awaited before the next job is read: start it as a task and go on reading",
    )
    still = sender.handled()
    expect(
        still,
        saw="once the jobs had ended, with a handle still running, the process no longer had a handler for SIGTERM",
        expected="the signal handlers kept until serve returns",
        mistake="the handlers are removed when the jobs end: a signal must still stop the running handles",
    )
    sent = sender.send(signal.SIGTERM)
    outcome = await _ended(call, sender)
    stuck = handle.calls[0]
    after = None if stuck.cancel_arrived is None else stuck.cancel_arrived - sent.at
    expect(
        outcome.returned
        and outcome.value == 1
        and at_end.outcome("stuck") == "cancelled"
        and after is not None
        and after >= EARLIEST,
        saw=f"SIGTERM after the jobs ended, while a handle that never ends ran: {outcome.describe()}; the handle "
        f"was {at_end.outcome('stuck')}" + (f", cancelled {seconds(after)} after the signal" if after else ""),
        expected=f"the handle cancelled after the grace period ({seconds(SHORT_GRACE)}), and 1",
        mistake="once the jobs end, only the handles are awaited and the signal is forgotten: wait for the handles "
        "or a signal, whichever comes first",
    )
    _handlers_removed(sender, "returned after a signal")
    await expect_no_leaked_tasks(after="serve returned after a signal")


@pytest.mark.category("exceptions")
async def test_jobs_error_cancels_handles_and_propagates(kata):
    """The jobs raise: the running handles are cancelled and waited for, then that exception comes out of serve."""
    sender = SignalSender()
    failure = Failure("the job source broke")
    release = Release()
    jobs = FakeSource("jobs", ["a", "b"], release, error=failure)
    jobs.released = 2
    handle = FakeFetch(delay=math.inf)
    at_end = AtEnd(handle)
    call = KataCall(at_end.watch(kata.serve(jobs, handle, grace=units(10))))
    await call.until(lambda: len(handle.calls) >= 2 and jobs.pending is not None, AT_ONCE)
    expect(
        len(handle.calls) >= 2 or call.task.done(),
        saw=f"{len(handle.calls)} handle(s) started {seconds(AT_ONCE)} after 2 jobs were given",
        expected="2 handles running, and the next job read",
        mistake="each handle is awaited before the next job is read: start it as a task and go on reading",
    )
    await release.release(jobs)
    outcome = await call.outcome()
    expect(
        outcome.error is failure,
        saw=f"the jobs raised {short(failure)} while two handles ran: {outcome.describe()}",
        expected=f"that very exception, {short(failure)}, raised by serve",
        mistake="the job source's exception must come out of serve as it is, after the handles are cancelled",
    )
    expect(
        at_end.outcomes(handle) == ["cancelled", "cancelled"] and outcome.elapsed < units(10) / 2,
        saw=f"when serve ended the handles were {describe_outcomes(handle.calls)}"
        if at_end.outcomes(handle) != ["cancelled", "cancelled"]
        else f"serve took {seconds(outcome.elapsed)}",
        expected="both cancelled at once (no grace period) and waited for",
        mistake="cancel the running handles when the jobs fail, then wait for them (asyncio.wait) before raising",
    )
    _handlers_removed(sender, "raised")
    await expect_no_leaked_tasks(after="serve raised")


@pytest.mark.category("exceptions")
async def test_cancelled_serve_cancels_at_once(kata):
    """serve cancelled: every handle is cancelled at once (no grace period) and waited for, the pending read is
    cancelled, and serve ends cancelled, its handlers removed."""
    sender = SignalSender()
    jobs = jobs_of(["a", "b"], then="wait")
    handle = FakeFetch(delay=math.inf)
    at_end = AtEnd(handle)
    call = KataCall(at_end.watch(kata.serve(jobs, handle, grace=units(10))))
    await _ready(call, sender, handle, 2, jobs)
    call.cancel()
    outcome = await call.outcome()
    expect(
        outcome.cancelled,
        saw=f"serve cancelled while two handles ran: {outcome.describe()}",
        expected="serve to end cancelled",
        mistake="the CancelledError was caught and not raised again: clean up, then let it propagate",
    )
    expect(
        at_end.outcomes(handle) == ["cancelled", "cancelled"] and outcome.elapsed < units(10) / 2,
        saw=f"when serve ended the handles were {describe_outcomes(handle.calls)}"
        if at_end.outcomes(handle) != ["cancelled", "cancelled"]
        else f"serve took {seconds(outcome.elapsed)} to end",
        expected="both cancelled at once (no grace period) and waited for",
        mistake="when serve itself is cancelled, cancel every handle's task and wait for them (a finally block), "
        "with no grace period",
    )
    expect(
        jobs.reads[-1].outcome == "cancelled",
        saw=f"the pending read of the jobs was {jobs.reads[-1].outcome}",
        expected="cancelled",
    )
    _handlers_removed(sender, "was cancelled")
    await expect_no_leaked_tasks(after="serve was cancelled")
