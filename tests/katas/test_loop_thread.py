"""Hidden suite: loop_thread.LoopThread().

LoopThread is for sync code: every method is called in a thread of the sandbox's that has no event loop
(`in_thread`), and the object is held here by handle. The coroutines it is given are made in the sandbox from the
judge's async functions (harness.spawned.job, grader.wire.Call): run on a loop of the learner's making, in another
thread, each call reaches the judge over a connection of that loop's (harness.threads.WhereFetch tells), and the
judge sees it start, end and get cancelled. The sandbox's threads are the kernel's list (/proc), seen by the judge.
"""

import asyncio
import math

import pytest

from grader.wire import Call
from harness import AtEnd, FakeFetch, KataCall, expect, run, same, seconds, short, units
from harness.cleanup import GatedFetch
from harness.sandbox import RemoteObject
from harness.spawned import job
from harness.tasks import Rendezvous, open_loops, start_task_in_caller
from harness.threads import NewThreads, WhereFetch, call_in_caller
from harness.timing import until

# A job's call reaches the judge within milliseconds of being handed over; ten times a loaded machine's worst.
AT_ONCE = units(5)
# A thread that has ended its work (the sandbox's, that made a plain call) is gone within milliseconds; one left
# running never is. How long the check looks for them to be gone:
THREADS_END = units(10)
# The timeout given to call() in the timeout checks, and how long the timed-out coroutine's cleanup lasts once it
# is cancelled: a call() that raises before that cleanup is over ends within milliseconds of the cancel (the
# judge sees it end while the cleanup still runs); one that waits ends after it (the judge's own order).
TIMEOUT = units(0.5)
CLEANUP = units(1.5)
# call(coro, timeout=0) with a coroutine of SLOW: raising at once takes milliseconds; waiting for the coroutine
# takes SLOW. The bound, PROMPT, is 2x from SLOW and over 10x from a loaded machine's worst round trip.
SLOW = units(10)
PROMPT = units(5)


REFUSE_IN_THREAD = (
    "call() blocks its thread until the coroutine is done, and in the loop's own thread that coroutine can never "
    "run: compare threading.current_thread() (or get_ident()) with the loop's thread, close the coroutine and raise "
    "RuntimeError"
)


class Failure(Exception):
    """An error the coroutine raises."""


def _same_error(error: BaseException | None, expected: BaseException) -> bool:
    """That very exception, or an equal copy (the same type's name and message: it crossed threads)."""
    return error is expected or (
        error is not None and type(error).__name__ == type(expected).__name__ and str(error) == str(expected)
    )


async def made(kata) -> RemoteObject:
    outcome = await run(kata.LoopThread.in_thread())
    expect(
        outcome.returned and isinstance(outcome.value, RemoteObject),
        saw=f"LoopThread() {outcome.describe().removeprefix('it ')}",
        expected="a LoopThread object",
        mistake="LoopThread must be a class whose __init__ takes no argument (and starts nothing)",
    )
    return outcome.value


async def started(kata) -> RemoteObject:
    runner = await made(kata)
    outcome = await run(runner.start.in_thread())
    expect(outcome.returned, saw=f"start() {outcome.describe().removeprefix('it ')}", expected="start() to return")
    return runner


async def closed(runner: RemoteObject, what: str = "close()") -> None:
    outcome = await run(runner.close.in_thread())
    expect(outcome.returned, saw=f"{what} {outcome.describe().removeprefix('it ')}", expected=f"{what} to return")


async def submit_at_once(runner: RemoteObject, coro) -> RemoteObject:
    """runner.submit(coro), which must return at once (the coroutine given never ends before the check says so)."""
    call = KataCall(runner.submit.in_thread(coro))
    await call.until(lambda: False, AT_ONCE)
    expect(
        call.task.done(),
        saw=f"submit(coro) had not returned {seconds(AT_ONCE)} later, the coroutine still running",
        expected="submit to return at once, the coroutine running on in the loop's thread",
        mistake="submit waited for the outcome (future.result()): that is call's job; submit returns the future",
    )
    outcome = await call.outcome()
    expect(
        outcome.returned and isinstance(outcome.value, RemoteObject),
        saw=f"submit(coro) {outcome.describe().removeprefix('it ')}",
        expected="a concurrent.futures.Future",
    )
    return outcome.value


def _on_its_own_loop(fake: WhereFetch) -> None:
    expect(
        bool(fake.on_main) and not any(fake.on_main),
        saw="the coroutine ran on the grader's own event loop, not on a loop of the LoopThread's"
        if any(fake.on_main)
        else "the coroutine never ran",
        expected="the coroutine run on the LoopThread's own event loop, in its own thread",
    )


@pytest.mark.category("correctness")
async def test_with_block_runs_coroutines(kata):
    """`with LoopThread() as runner:` gives the LoopThread; call() runs coroutines on its loop and returns their
    results, with or without a timeout."""
    fake = WhereFetch(delay=units(0.2))
    runner = await made(kata)
    entered = await run(runner.method("__enter__").in_thread())
    expect(
        entered.returned and entered.value is runner,
        saw=f"__enter__() {entered.describe().removeprefix('it ')}",
        expected="the LoopThread itself, started",
        mistake="__enter__ must return self (after starting): `with LoopThread() as runner:` binds what it returns"
        if entered.returned
        else None,
    )
    first = await run(runner.call.in_thread(job(fake, "a")))
    expect(
        first.returned and same(first.value, fake.results("a")),
        saw=f"call(coro) {first.describe().removeprefix('it ')}",
        expected=f"the coroutine's result, {short(fake.results('a'))}",
    )
    _on_its_own_loop(fake)
    second = await run(runner.call.in_thread(job(fake, "b"), timeout=units(10)))
    expect(
        second.returned and same(second.value, fake.results("b")),
        saw=f"call(coro, timeout={units(10):g}) with a coroutine of {seconds(units(0.2))} "
        f"{second.describe().removeprefix('it ')}",
        expected=f"the coroutine's result, {short(fake.results('b'))}",
    )
    exited = await run(runner.method("__exit__").in_thread(None, None, None))
    expect(exited.returned, saw=f"__exit__() {exited.describe().removeprefix('it ')}", expected="the block to close")


@pytest.mark.category("correctness")
async def test_submit_returns_a_future_at_once(kata):
    """submit() returns a concurrent.futures.Future while the coroutine still runs; its result() gives the
    coroutine's result."""
    fake = GatedFetch()  # the coroutine ends only once the check has seen submit() return
    runner = await started(kata)
    future = await submit_at_once(runner, job(fake, "a"))
    fake.open()
    result = await run(future.result.in_thread(units(10)))
    expect(
        result.returned and same(result.value, fake.results("a")),
        saw=f"future.result() {result.describe().removeprefix('it ')}",
        expected=f"the coroutine's result, {short(fake.results('a'))}",
        mistake="submit must return a concurrent.futures.Future (asyncio.run_coroutine_threadsafe gives one): an "
        "asyncio future cannot be waited on from another thread",
    )
    await closed(runner)


@pytest.mark.category("concurrency")
async def test_submitted_coroutines_run_at_once(kata):
    """Three coroutines submitted from three threads at once all run at the same time on the one loop."""
    rendezvous = Rendezvous(3, patience=units(3), delay=0)
    runner = await started(kata)
    submitted = await asyncio.gather(*(run(runner.submit.in_thread(job(rendezvous, key))) for key in "abc"))
    futures = [outcome.value for outcome in submitted if outcome.returned]
    expect(
        len(futures) == 3,
        saw="submit(coro) from three threads at once: "
        + "; ".join(outcome.describe() for outcome in submitted if not outcome.returned),
        expected="three futures",
    )
    results = await asyncio.gather(*(run(future.result.in_thread(units(20))) for future in futures))
    await closed(runner)
    expect(
        rendezvous.met and all(outcome.returned for outcome in results),
        saw=f"three coroutines submitted; at most {rendezvous.peak} ran at a time",
        expected="all three running at once on the loop",
        mistake="the coroutines are run one after another (a single worker awaiting each in turn, or a lock): "
        "schedule each as a task of its own (asyncio.run_coroutine_threadsafe)",
    )


@pytest.mark.category("concurrency")
async def test_calls_from_two_threads_run_at_once(kata):
    """Two threads call() at the same time: both coroutines run at once on the one loop."""
    rendezvous = Rendezvous(2, patience=units(3), delay=0)
    runner = await started(kata)
    outcomes = await asyncio.gather(*(run(runner.call.in_thread(job(rendezvous, key))) for key in "ab"))
    await closed(runner)
    failed = next((outcome for outcome in outcomes if not outcome.returned), None)
    expect(
        failed is None,
        saw=f"one of two calls made at once from two threads: {failed.describe() if failed else ''}",
        expected="both calls to return their coroutine's result",
    )
    expect(
        rendezvous.met,
        saw=f"two threads called at once; at most {rendezvous.peak} coroutine(s) ran at a time",
        expected="both coroutines running at the same time on the loop",
        mistake="call() holds a lock (or one worker runs one coroutine at a time) while it waits: each call only "
        "needs to wait for its own coroutine's future",
    )


@pytest.mark.category("correctness")
async def test_one_loop_lives_until_close(kata):
    """A task a coroutine started on the loop runs on after that coroutine has returned; close() cancels it and
    waits until it has ended."""
    background = FakeFetch(delay=math.inf)
    at_return, at_close = AtEnd(background), AtEnd(background)

    async def leaves_a_task_behind():
        await start_task_in_caller(background, "background")
        return "done"

    runner = await started(kata)
    outcome = await run(at_return.watch(runner.call.in_thread(Call(leaves_a_task_behind))))
    expect(outcome.returned and outcome.value == "done", saw=f"call(coro) {outcome.describe()}", expected="'done'")
    expect(
        at_return.outcome("background") == "running",
        saw="the coroutine started a task on its loop and returned; when call() returned, that task was "
        + {"cancelled": "cancelled already", "not called": "never started"}.get(
            at_return.outcome("background"), at_return.outcome("background")
        ),
        expected="the task still running: one event loop lives from start() to close(), and runs every coroutine",
        mistake="each call runs on an event loop of its own (asyncio.run in the calling thread?), which cancels "
        "what the coroutine left running when it ends: start one loop, in a thread of its own, and hand it every "
        "coroutine (asyncio.run_coroutine_threadsafe)",
    )
    await run(at_close.watch(runner.close.in_thread()))
    state = at_close.outcome("background")
    expect(
        state == "cancelled",
        saw="close() returned while the task left on the loop was "
        + {"running": "still running (not cancelled, or cancelled and not waited for)"}.get(state, state),
        expected="close() to cancel every task still running on the loop and wait until they have ended",
        mistake="cancel the loop's tasks (asyncio.all_tasks(loop)) from the loop's thread, gather them with "
        "return_exceptions=True, and only then stop the loop; asyncio.Runner's close (and asyncio.run) do this",
    )


@pytest.mark.category("correctness")
async def test_close_leaves_no_thread_and_closes_the_loop(kata):
    """Once close() has returned, no thread it started is left and its event loop is closed."""
    fake = WhereFetch(delay=units(0.2))
    threads = NewThreads()
    open_before = await open_loops()  # loops an earlier check left open do not count here
    runner = await started(kata)
    running = threads.now()
    outcome = await run(runner.call.in_thread(job(fake, "a")))
    expect(outcome.returned, saw=f"call(coro) {outcome.describe()}", expected="the coroutine's result")
    _on_its_own_loop(fake)
    await closed(runner)
    gone = await threads.gone(THREADS_END)
    expect(
        gone,
        saw=f"{len(threads.now())} thread(s) started since LoopThread() still alive {seconds(THREADS_END)} after "
        f"close() returned ({len(running)} while it ran)",
        expected="close() to stop the loop and join its thread (and the loop's executor threads) before returning",
        mistake="the loop is never stopped (loop.stop() called from another thread does not wake it: use "
        "loop.call_soon_threadsafe(loop.stop)), or the thread is never joined",
    )
    left_open = await open_loops() - open_before
    expect(
        left_open <= 0,
        saw=f"{left_open} event loop(s) still open after close() returned",
        expected="the loop closed (loop.close()) once its thread has ended",
        mistake="stop the loop, join the thread, then loop.close(): a loop holds its selector and sockets until then",
    )


@pytest.mark.category("correctness")
async def test_close_twice_or_before_start_is_harmless(kata):
    """close() before start() returns quietly; after the with block, close() again returns quietly."""
    never_started = await made(kata)
    await closed(never_started, "close() before start()")
    runner = await made(kata)
    entered = await run(runner.method("__enter__").in_thread())
    expect(entered.returned, saw=f"__enter__() {entered.describe().removeprefix('it ')}", expected="it to start")
    exited = await run(runner.method("__exit__").in_thread(None, None, None))
    expect(exited.returned, saw=f"__exit__() {exited.describe().removeprefix('it ')}", expected="the block to close")
    again = await run(runner.close.in_thread())
    expect(
        again.returned,
        saw=f"close() after the with block {again.describe().removeprefix('it ')}",
        expected="a second close() to do nothing",
        mistake="close() must remember that it ran (a flag) and return at once the second time",
    )


@pytest.mark.category("timeout")
async def test_timeout_cancels_and_waits_for_cleanup(kata):
    """A coroutine that outlasts call()'s timeout is cancelled on the loop; call() raises TimeoutError only once
    the coroutine's cleanup is over."""
    fake = FakeFetch(delay=math.inf)
    at_end = AtEnd(fake)
    fake.cancel_takes = CLEANUP
    runner = await started(kata)
    outcome = await run(at_end.watch(runner.call.in_thread(job(fake, "slow"), timeout=TIMEOUT)))
    state = at_end.outcome("slow")
    await closed(runner)
    expect(
        isinstance(outcome.error, TimeoutError),
        saw=f"call(coro, timeout={TIMEOUT:g}) with a coroutine that never ends: {outcome.describe()}",
        expected="TimeoutError",
    )
    expect(
        state == "cancelled" and len(fake.calls) == 1,
        saw=f"call() raised TimeoutError while the coroutine was {state}"
        if state != "cancelled"
        else f"the coroutine ran {len(fake.calls)} times",
        expected=f"the coroutine cancelled on the loop, and call() waiting until its cleanup ({seconds(CLEANUP)}) is "
        "over",
        mistake="future.result(timeout) then future.cancel() only asks the loop to cancel the task: the coroutine's "
        "cleanup runs later, in the loop's thread. Wait for the task to end after cancelling it, or apply the "
        "timeout on the loop itself (asyncio.timeout or wait_for inside a coroutine you submit)"
        if state == "running"
        else None,
    )


@pytest.mark.category("timeout")
async def test_timeout_zero_or_less_is_at_once(kata):
    """call(coro, timeout=0), or a negative timeout, raises TimeoutError at once; the coroutine is cancelled (or
    never starts)."""
    fake = FakeFetch(delay=SLOW)
    runner = await started(kata)
    for timeout in (0, -1):
        at_end = AtEnd(fake)
        outcome = await run(at_end.watch(runner.call.in_thread(job(fake, timeout), timeout=timeout)))
        state = at_end.outcome(timeout)
        expect(
            isinstance(outcome.error, TimeoutError) and outcome.elapsed <= PROMPT,
            saw=f"call(coro, timeout={timeout}) with a coroutine of {seconds(SLOW)}: {outcome.describe()}",
            expected=f"TimeoutError at once (within {seconds(PROMPT)})",
            mistake="`if timeout:` is false for 0: a timeout of 0 means no time at all, not no timeout; compare "
            "with None (`timeout is not None`)"
            if outcome.returned or outcome.elapsed > PROMPT
            else None,
        )
        expect(
            state in ("cancelled", "not called"),
            saw=f"call(coro, timeout={timeout}) raised while the coroutine was {state}",
            expected="the coroutine cancelled, and ended, before call() raises (or never started)",
        )
    await closed(runner)


@pytest.mark.category("exceptions")
async def test_errors_propagate(kata):
    """A coroutine's exception comes out of call(), and out of result() of the future submit() returned."""
    failure = Failure("the coroutine failed")
    fake = FakeFetch(delay=units(0.2), errors={"bad": failure})
    runner = await started(kata)
    called = await run(runner.call.in_thread(job(fake, "bad")))
    submitted = await run(runner.submit.in_thread(job(fake, "bad")))
    result = None
    if submitted.returned and isinstance(submitted.value, RemoteObject):
        result = await run(submitted.value.result.in_thread(units(10)))
    await closed(runner)
    expect(
        _same_error(called.error, failure),
        saw=f"call(coro) with a coroutine that raises {short(failure)}: {called.describe()}",
        expected=f"the coroutine's exception, {short(failure)}",
        mistake="the exception was caught or replaced: let future.result() raise it",
    )
    expect(
        result is not None and _same_error(result.error, failure),
        saw=f"submit(coro) {submitted.describe().removeprefix('it ')}"
        if result is None
        else f"future.result() {result.describe().removeprefix('it ')}",
        expected=f"the future to hold the coroutine's exception, {short(failure)}",
    )


@pytest.mark.category("exceptions")
async def test_cancelling_the_future_cancels_the_coroutine(kata):
    """Cancelling the future submit() returned cancels the coroutine on the loop."""
    fake = FakeFetch(delay=math.inf)
    runner = await started(kata)
    future = await submit_at_once(runner, job(fake, "a"))
    await until(lambda: bool(fake.calls), AT_ONCE)
    cancel = await run(future.cancel.in_thread())
    reached = await until(lambda: bool(fake.calls) and fake.calls[0].outcome == "cancelled", AT_ONCE)
    state = fake.calls[0].outcome if fake.calls else "not called"
    expect(
        cancel.returned and reached,
        saw=f"future.cancel() {cancel.describe().removeprefix('it ')}; {seconds(AT_ONCE)} later the coroutine was "
        f"{state}",
        expected="the coroutine cancelled on the loop",
        mistake="the future is not tied to the task on the loop: asyncio.run_coroutine_threadsafe returns a future "
        "whose cancel() cancels the task; a future of your own must do the same (a done callback that calls "
        "loop.call_soon_threadsafe(task.cancel))",
    )
    await closed(runner)  # only now: a coroutine still running could hold close() up for ever


@pytest.mark.category("exceptions")
async def test_refuses_after_close(kata):
    """After close(), call() and submit() raise RuntimeError and close the coroutine (nothing runs, nothing warns
    "never awaited")."""
    fake = FakeFetch(delay=units(0.5))
    runner = await started(kata)
    await closed(runner)
    called = await run(runner.call.in_thread(job(fake, "call")))
    submitted = await run(runner.submit.in_thread(job(fake, "submit")))
    for name, outcome in (("call", called), ("submit", submitted)):
        expect(
            isinstance(outcome.error, RuntimeError),
            saw=f"{name}(coro) after close(): {outcome.describe()}",
            expected="RuntimeError",
            mistake="a closed LoopThread must refuse new work: check a flag set by close()",
        )
    expect(
        not fake.calls,
        saw=f"coroutines handed over after close() ran: {short(fake.keys)}",
        expected="nothing to run after close()",
    )


@pytest.mark.category("exceptions")
async def test_refuses_a_call_from_its_own_thread(kata):
    """call() made from the loop's own thread (inside a coroutine it runs) raises RuntimeError at once and closes
    the coroutine it was given, instead of waiting for ever; the loop goes on working."""
    fake = FakeFetch(delay=units(0.2))
    runner = await started(kata)
    bound = await run(runner.method("__getattribute__").in_thread("call"))
    expect(bound.returned, saw=f"runner.call {bound.describe()}", expected="the method call")

    async def calls_back():
        call_in_caller(bound.value, job(fake, "inner"))  # runner.call(coro), in the loop's own thread
        await asyncio.get_running_loop().create_future()  # until that raises there (and this is cancelled)

    call = KataCall(runner.call.in_thread(Call(calls_back)))
    await call.until(lambda: False, AT_ONCE)
    expect(
        call.task.done(),
        saw=f"a coroutine running on the loop called runner.call(coro), which had not returned {seconds(AT_ONCE)} "
        "later: the loop's thread waits for a coroutine that only that thread could run",
        expected="RuntimeError from that call(), at once",
        mistake=REFUSE_IN_THREAD,
    )
    outcome = await call.outcome()
    expect(
        isinstance(outcome.error, RuntimeError) and not fake.calls,
        saw=f"a coroutine running on the loop called runner.call(coro): {outcome.describe()}"
        + ("; the inner coroutine ran" if fake.calls else ""),
        expected="RuntimeError from that call(), without running the coroutine",
        mistake=REFUSE_IN_THREAD,
    )
    after = await run(runner.call.in_thread(job(fake, "after")))
    expect(
        after.returned and same(after.value, fake.results("after")),
        saw=f"call(coro) afterwards, from another thread: {after.describe()}",
        expected="the loop to go on working",
    )
    await closed(runner)
