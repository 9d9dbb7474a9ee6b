"""Hidden suite: run_from_sync.run_sync(coro_fn, *args).

run_sync is a plain function meant for code where no event loop runs: the checks call it in a thread of the
sandbox's that has no event loop (`kata.run_sync.in_thread`), except the one that calls it inside the sandbox's
running loop (`in_loop_thread`). The coroutine functions it is given are the judge's: their bodies run on the
judge's loop, so what happens on the learner's loop is judged by what the judge sees (the calls, a task left
behind on that loop cancelled or not, two calls meeting) and by the sandbox's word on loops left open.
"""

import asyncio

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from harness import AtEnd, FakeFetch, expect, run, seconds, short, units
from harness.tasks import Rendezvous, open_loops, start_task_in_caller
from harness.timing import real_sleep

# A few strings rather than st.text(): hypothesis builds a table of every unicode character the first time text is
# generated, seconds on a loaded machine, inside the check's time.
WORDS = ["", "a", "two words", "é✓"]

# asyncio.run(coro_fn(*args)) makes the coroutine before it refuses to run inside a running loop: a coroutine
# never awaited there is expected, not a mistake.
pytestmark = pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")


class Failure(Exception):
    """An error the coroutine raises."""


class Result:
    """What the coroutine returns: run_sync must return this very object."""

    def __repr__(self) -> str:
        return "<the coroutine's result>"


def _mistake(outcome) -> str | None:
    """What usually causes an error a correct run_sync never raises."""
    text = str(outcome.error)
    if "no current event loop" in text:
        return (
            "something looked for the thread's current event loop: asyncio.get_event_loop() does, and so does "
            "asyncio.gather() given nothing to gather. run_sync is called from threads that have no current "
            "loop: make one with asyncio.new_event_loop() and use it directly (loop.run_until_complete), "
            "skip the gather when there is nothing left, or let asyncio.run do it all"
        )
    if "is closed" in text:
        return "one loop is reused from call to call, and was closed by an earlier call: make a new loop every call"
    if "already running" in text:
        return "one loop is shared by every call: make a new loop for each call"
    if isinstance(outcome.error, TypeError):
        return "coro_fn must be called with the extra arguments, in order: coro_fn(*args)"
    return None


def _leaves_a_task_behind(fake: FakeFetch, then=None):
    """An async function that starts a task on the loop that runs it (a call of the fake), lets it start, then
    returns or raises at once."""

    async def leaves_a_task_behind():
        await start_task_in_caller(fake, "background")
        if then is not None:
            raise then
        return "done"

    return leaves_a_task_behind


def _left_behind(at_end: AtEnd) -> str:
    """How the background task stood when run_sync had ended, in a learner's words."""
    state = at_end.outcome("background")
    return {
        "running": "still pending: it was never cancelled (or was cancelled, but the loop never ran again to let "
        "it finish)",
        "returned": "not cancelled: it ran on to its end, so run_sync waited for it",
        "cancelled": "cancelled, and finished",
        "not called": "never started",
    }.get(state, state)


@pytest.mark.category("correctness")
@given(st.lists(st.one_of(st.none(), st.booleans(), st.integers(), st.sampled_from(WORDS)), max_size=4))
@example([])
@example([2, 3])
async def test_returns_the_result(kata, args):
    """Calls coro_fn with the extra arguments, in order, runs it to its end and returns its result as it is."""
    seen = []
    result = Result()  # an object of the judge's: it crosses as a reference, and comes back as this very object

    async def coro_fn(*received):
        seen.append(received)
        for _ in range(3):
            await real_sleep(0)
        return result

    outcome = await run(kata.run_sync.in_thread(coro_fn, *args))
    expect(
        outcome.returned and outcome.value is result and seen == [tuple(args)],
        saw=f"called with extra arguments {short(args)}, {outcome.describe()}; the coroutine ran "
        f"{len(seen)} time(s)" + (f", given {short(seen[0])}" if seen else ""),
        expected=f"one run of coro_fn({', '.join(map(short, args))}), and its result, the very object it returned",
        mistake=_mistake(outcome)
        or (
            "coro_fn must be called with the extra arguments, in order: coro_fn(*args)"
            if seen and seen[0] != tuple(args)
            else None
        ),
    )


@pytest.mark.category("correctness")
async def test_closes_a_new_loop_each_call(kata):
    """Each call runs the coroutine on a new event loop, closed by the time run_sync returns."""
    calls = []

    async def note_the_call():
        calls.append("called")
        await real_sleep(0)
        return len(calls)

    # A loop closed after every call is a new loop every call: a closed loop cannot run again ("is closed").
    outcomes, left_open = [], []
    for _ in range(2):
        outcomes.append(await run(kata.run_sync.in_thread(note_the_call)))
        left_open.append(await open_loops())
    for outcome in outcomes:
        expect(
            outcome.returned,
            saw=outcome.describe(),
            expected="the coroutine's result",
            mistake=_mistake(outcome),
        )
    expect(len(calls) == 2, saw=f"the coroutine ran {len(calls)} time(s) in 2 calls", expected="once per call")
    expect(
        not left_open[-1],
        saw=f"the event loop still open after run_sync returned ({left_open[-1]} loop(s) left open by 2 calls)",
        expected="a new loop for each call, closed before run_sync returns",
        mistake="loop.close() never called (or one loop kept, at module level?, and reused): a loop holds "
        "resources (sockets, a selector) until it is closed; make a new one every call and close it in a "
        "finally block, or use asyncio.run",
    )


@pytest.mark.category("correctness")
async def test_cancels_the_tasks_left_behind(kata):
    """A task the coroutine started and left running is cancelled, and has finished, when run_sync returns."""
    fake = FakeFetch(delay=units(10))
    at_end = AtEnd(fake)
    outcome = await run(at_end.watch(kata.run_sync.in_thread(_leaves_a_task_behind(fake))))
    expect(
        outcome.returned and outcome.value == "done",
        saw=outcome.describe(),
        expected="'done'",
        mistake=_mistake(outcome),
    )
    expect(
        at_end.outcome("background") == "cancelled",
        saw=f"the coroutine returned while a task it started ran on (a call of {seconds(units(10))}); when run_sync "
        f"ended after {seconds(outcome.elapsed)}, that task was {_left_behind(at_end)}",
        expected="the task cancelled, and run until it has finished, before the loop is closed",
        mistake="once the coroutine is done, cancel every task still running on the loop (asyncio.all_tasks(loop)), "
        "run the loop until they have finished (gather them with return_exceptions=True), then close it; "
        "asyncio.run does all of this",
    )


@pytest.mark.category("concurrency")
async def test_calls_from_two_threads_run_at_once(kata):
    """Two threads call run_sync at the same time: each call runs on its own loop, both at once."""
    # Each coroutine waits (at most 0.5 s) in the judge until the other one is running too: both get there only
    # if the two calls run at the same time (the peak counter says so exactly).
    rendezvous = Rendezvous(2, patience=units(5), delay=0)

    async def meet(name):
        await rendezvous(name)
        return name, "met" if rendezvous.met else "alone"

    outcomes = await asyncio.gather(*(run(kata.run_sync.in_thread(meet, name)) for name in ("a", "b")))
    failed = next((outcome for outcome in outcomes if not outcome.returned), None)
    expect(
        failed is None,
        saw=f"one of two calls made at once from two threads: {failed.describe() if failed else ''}",
        expected="both calls to run, each on an event loop of its own",
        mistake=(
            _mistake(failed)
            or "the two calls got in each other's way: one event loop shared by every call? "
            "Each call needs a loop of its own"
        )
        if failed
        else None,
    )
    values = [outcome.value for outcome in outcomes]
    expect(
        values == [("a", "met"), ("b", "met")],
        saw=f"the two calls returned {short(values)}",
        expected="('a', 'met') and ('b', 'met'): both coroutines running at the same time",
        mistake="the calls were made to wait for one another (a lock, or one loop shared by every call): each call "
        "needs nothing but an event loop of its own",
    )


@pytest.mark.category("exceptions")
async def test_error_propagates_unchanged(kata):
    """A coroutine that raises: that very exception comes out of run_sync."""
    failure = Failure("the coroutine failed")

    async def fails():
        await real_sleep(0)
        raise failure

    outcome = await run(kata.run_sync.in_thread(fails))
    expect(
        outcome.error is failure,
        saw=outcome.describe(),
        expected=f"the coroutine's own exception, {short(failure)}, raised as it is",
        mistake=_mistake(outcome)
        or "the exception was caught, or replaced by another: let it propagate (clean up in a finally block)",
    )


@pytest.mark.category("exceptions")
async def test_cleans_up_after_an_error(kata):
    """A coroutine that raises: its leftover task is cancelled and the loop closed all the same."""
    fake = FakeFetch(delay=units(10))
    at_end = AtEnd(fake)
    fails = _leaves_a_task_behind(fake, then=Failure("failed, leaving a task behind"))
    outcome = await run(at_end.watch(kata.run_sync.in_thread(fails)))
    left_open = await open_loops()
    expect(
        bool(fake.calls), saw=outcome.describe(), expected="the coroutine to run, and raise", mistake=_mistake(outcome)
    )
    expect(
        outcome.error is not None and at_end.outcome("background") == "cancelled",
        saw=f"the coroutine raised, leaving a task running; {outcome.describe()}, and that task was "
        f"{_left_behind(at_end)}",
        expected="the error to propagate, after the task was cancelled and has finished",
        mistake="the tasks left running are not cancelled and awaited when the coroutine raises: clean up in a "
        "finally block, so that it happens whether the coroutine returns or raises",
    )
    expect(
        not left_open,
        saw="the event loop still open after the coroutine raised",
        expected="the loop closed, whether the coroutine returns or raises",
        mistake="loop.close() is skipped when the coroutine raises: put it in a finally block",
    )


@pytest.mark.category("exceptions")
async def test_refuses_inside_a_running_loop(kata):
    """Called from a coroutine, where a loop is already running: RuntimeError, and the coroutine never runs."""
    fake = FakeFetch(delay=2, ticks=True)
    outcome = await run(kata.run_sync.in_loop_thread(fake.caller("k")))
    expect(
        isinstance(outcome.error, RuntimeError) and not fake.calls,
        saw=f"called from inside a running event loop, {outcome.describe()}; the coroutine "
        + ("ran" if fake.calls else "never ran"),
        expected="RuntimeError, without running the coroutine",
        mistake="the coroutine was run anyway (in another thread, or on another loop), blocking the running loop "
        "until it was done: from inside a loop, code awaits coroutines; run_sync is for code where no loop runs"
        if fake.calls
        else None,
    )
