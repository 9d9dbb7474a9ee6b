"""Hidden suite: hedged.hedged_fetch(fetch, replicas, delay).

The checks of the schedule (when each replica is called, when the call returns) run the learner's code on the
simulated clock (harness.scripted): the delays cost no real time and every start and end is exact whatever the
load, so the old wall-clock bounds hold with no stall to allow for. Orders and results run on tick-driven fakes;
the event loop's freedom, cancellation and unretrieved exceptions are checked on the real loop.
"""

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
    leaves,
    run,
    seconds,
    settle,
    short,
    units,
)
from harness.checks import SEVERAL_DONE_AT_ONCE, swallowed
from harness.cleanup import GatedFetch
from harness.racing import AT_ONCE, IdleWatch, handoff
from harness.scripted import run_in_simulated_time

# A delay no check waits out: with it, a call starts only when the one before has failed, one at a time.
LONG = units(100)
# Replicas ending together, in rounds: a function that leaves some done task unexamined goes unnoticed only if
# asyncio happens to report that task last, (1/6) ** 8 of the time.
ROUNDS = 8
# (fails?, loop iterations the call takes) per replica.
replica = st.tuples(st.booleans(), st.integers(1, 5))
with_a_success = st.lists(replica, min_size=1, max_size=6).filter(lambda pattern: not all(f for f, _ in pattern))
all_failing = st.lists(st.integers(1, 5), min_size=1, max_size=6)


def replicas(pattern) -> tuple[FakeFetch, list[str]]:
    """A fake whose replica r<i> returns, or raises ConnectionError, after the given loop iterations."""
    keys = [f"r{index}" for index in range(len(pattern))]
    errors = {key: ConnectionError(f"{key} is down") for key, (fails, _) in zip(keys, pattern, strict=False) if fails}
    fake = FakeFetch(
        delays={key: ticks for key, (_, ticks) in zip(keys, pattern, strict=False)}, errors=errors, ticks=True
    )
    return fake, keys


def plan(pattern) -> str:
    """The replicas in a learner's words: 'r0 raises after 2 loop iterations, r1 returns after 1'."""
    return ", ".join(
        f"r{index} {'raises' if fails else 'returns'} after {ticks}" + (" loop iterations" if not index else "")
        for index, (fails, ticks) in enumerate(pattern)
    )


def result_mistake(outcome, errors) -> str | None:
    """Why the outcome is not a success's result, in a learner's words."""
    if any(outcome.error is error for error in errors):
        return (
            "a replica's failure came out as it is: when a call fails, call the next replica at once, and raise "
            "only when every replica has failed"
        )
    if isinstance(outcome.error, BaseExceptionGroup):
        return "a success was missed: look at every task that is done (asyncio.wait can report several at once)"
    if outcome.returned and isinstance(outcome.value, BaseException):
        return "an exception was returned as a result"
    return None


async def watched(kata, fake, keys, delay):
    """Run hedged_fetch with an IdleWatch: (outcome, watch)."""
    call = KataCall(kata.hedged_fetch(fake, keys, delay))
    async with IdleWatch(fake, call) as watch:
        outcome = await call.outcome()
    return outcome, watch


# What code that measures the delay on a clock of its own looks like on the simulated clock: late, or no hedge.
OTHER_CLOCK = (
    " (or the delay was measured on time.monotonic() or time.time(), which this check's simulated clock does not "
    "move: wait with asyncio's own timeouts, or read the event loop's clock, asyncio.get_running_loop().time())"
)


def expect_not_idle(watch, pattern) -> None:
    expect(
        watch.idle is None,
        saw=f"with {plan(pattern)} and a delay of {seconds(LONG)}: {watch.idle}",
        expected="when a call fails, the next replica called at once; when the last one fails, the ExceptionGroup "
        "raised at once",
        mistake="after a failure the code waits for the delay (or for the other calls) instead of calling the next "
        "replica: a failure must wake it up, as asyncio.wait(..., timeout=delay, return_when=FIRST_COMPLETED) does",
    )


@pytest.mark.category("correctness")
@given(with_a_success)
@example([(False, 1)])
@example([(True, 1), (True, 3), (False, 2), (False, 1)])
async def test_a_failure_moves_on_to_the_next_replica(kata, pattern):
    """With a long delay, one replica at a time: each failure moves on to the next replica, in order, the first
    success comes back, and the replicas after it are never called."""
    fake, keys = replicas(pattern)
    outcome, watch = await watched(kata, fake, keys, LONG)
    expect_not_idle(watch, pattern)
    winner = next(index for index, (fails, _) in enumerate(pattern) if not fails)
    expect(
        outcome.returned and outcome.value == fake.results(keys[winner]),
        saw=f"with {plan(pattern)}, {outcome.describe()}",
        expected=f"{keys[winner]}'s result, {short(fake.results(keys[winner]))}",
        mistake=result_mistake(outcome, fake.errors.values())
        or (
            "replicas called without waiting, and a later one answered first: the next replica is called only "
            "when a call fails or the delay passes"
            if len(fake.keys) > winner + 1
            else None
        ),
    )
    expect(
        fake.keys == keys[: winner + 1],
        saw=f"with {plan(pattern)}, calls for {short(fake.keys)}",
        expected=f"calls for {short(keys[: winner + 1])}, in that order, and no other",
        mistake="replicas called without waiting: the next replica is called only when a call fails or the delay passes"
        if len(fake.keys) > winner + 1 and fake.keys[: winner + 1] == keys[: winner + 1]
        else "replicas called out of order, twice, or after a success: call them in list order, each once, and "
        "stop at the first success",
    )


@pytest.mark.category("correctness")
async def test_no_replicas_raises_value_error(kata):
    """No replicas: ValueError, and no call of fetch."""
    fake = FakeFetch()
    outcome = await run(kata.hedged_fetch(fake, [], units(1)))
    expect(
        isinstance(outcome.error, ValueError) and not fake.calls,
        saw=f"for no replicas, {outcome.describe()}, with {len(fake.calls)} fetch call(s)",
        expected="ValueError: there is no replica to ask",
        mistake="check for an empty list first, and raise ValueError",
    )


@pytest.mark.category("concurrency")
def test_first_call_keeps_running_beside_the_hedges(kata):
    """r0 answers after 0.3 s, r1 and r2 would need 1 s, the delay is 0.1 s: r1 and r2 start beside r0, which
    keeps running, and r0's result comes back after 0.3 s. On the simulated clock: times are exact."""
    fake = FakeFetch(delay=1.0, delays={"r0": 0.3}, clock="loop")
    outcome = run_in_simulated_time(kata.hedged_fetch(fake, ["r0", "r1", "r2"], 0.1))
    first = fake.calls[0] if fake.calls else None
    finished = [call.key for call in fake.calls[1:] if call.outcome == "returned"]
    # r0's answer at 0.3 s, the hedges' at 1.1 s and 1.2 s: the bound is 2x the one and 2x short of the others
    # (kept from the wall-clock check; the simulated clock makes every time exact); the peak counter (r1 started
    # while r0 ran) and the call log (no hedge ran to its end) back it.
    bound = 0.6
    if first is not None and first.outcome == "cancelled":
        mistake = (
            "the first call was cancelled when the delay passed: a hedge is started beside it, and the first "
            "call keeps running (asyncio.wait_for cancels what it waits for)"
        )
    elif fake.peak < 2:
        mistake = (
            "the calls ran one after another: start the next replica without waiting for the one before" + OTHER_CLOCK
        )
    elif finished or outcome.elapsed > bound:
        mistake = "the code waited for every call to finish: return as soon as one succeeds"
    else:
        mistake = result_mistake(outcome, [])
    expect(
        outcome.returned
        and outcome.value == fake.results("r0")
        and fake.peak >= 2
        and outcome.elapsed <= bound
        and not finished,
        saw=f"r0 answers after {seconds(0.3)}, r1 and r2 after {seconds(1.0)}, the delay is {seconds(0.1)}, and "
        f"{outcome.on_the_clock()}; at most {fake.peak} call(s) ran at a time"
        + (f", r0 was {first.outcome}" if first is not None and first.outcome != "returned" else ""),
        expected=f"r0's result, {short(fake.results('r0'))}, within {seconds(bound)}, with the hedges running beside "
        "r0",
        mistake=mistake,
    )


@pytest.mark.category("concurrency")
async def test_event_loop_stays_free(kata):
    """While the calls and the delay run, the event loop keeps running other tasks."""
    fake = FakeFetch(delay=units(0.5))
    async with LoopWatch() as watch:
        # A delay of 0.3 s: waiting it out by blocking (a busy loop, time.sleep) stalls the loop past the bound,
        # however soon r0 answers (its answer cannot be read while the loop is blocked).
        await run(kata.hedged_fetch(fake, ["r0", "r1", "r2"], units(3)))
    watch.expect_free()


@pytest.mark.category("timeout")
def test_hedges_start_on_the_delay_schedule(kata):
    """r0 is called at once; it fails after 0.3 s, so r1 is called at once; nothing answers, so r2 is called
    0.4 s (the delay) after r1 started, not after r0 did. On the simulated clock: times are exact."""
    delay = 0.4
    fake = FakeFetch(
        delay=math.inf, delays={"r0": 0.3, "r2": 0.05}, errors={"r0": ConnectionError("r0 is down")}, clock="loop"
    )
    outcome = run_in_simulated_time(kata.hedged_fetch(fake, ["r0", "r1", "r2"], delay))
    starts = {call.key: call.started for call in fake.calls}
    never_hedged = "r2 was never called: when the delay passes with no answer, call the next replica too"
    expect(
        outcome.returned and outcome.value == fake.results("r2"),
        saw=f"r0 fails after {seconds(0.3)}, r1 never answers, r2 answers after {seconds(0.05)}, and "
        f"{outcome.on_the_clock()}",
        expected=f"r2's result, {short(fake.results('r2'))}",
        mistake=result_mistake(outcome, fake.errors.values()) or (never_hedged if "r2" not in starts else None),
    )
    # The bounds of the wall-clock check this was, now exact: at once is within AT_ONCE (0.15 s), against the
    # 0.4 s delay a function that waits before its first call sits out.
    first = fake.calls[0].started if fake.calls else None
    expect(
        first is not None and first <= AT_ONCE,
        saw="fetch(r0) never called" if first is None else f"fetch(r0) called {seconds(first)} after the call began",
        expected=f"fetch(replicas[0]) called at once (within {seconds(AT_ONCE)})",
        mistake="the code waits before the first call: only the next replicas wait for the delay",
    )
    gap = starts["r2"] - starts["r1"] if {"r1", "r2"} <= starts.keys() else None
    # The hedge is due 0.4 s after r1's start. Too early: under half the delay (a delay counted from r0's start
    # gives 0.1 s, all at once 0). Too late: 0.1 s past the delay.
    low, high = 0.5 * delay, delay + 0.1
    if gap is None:
        mistake = never_hedged
    elif gap < low:
        mistake = (
            "r2 was called too early: the delay counts from the most recent call's start (here r1's, which "
            "started when r0 failed), and no replica starts before it has passed"
            if gap > 0.2 * delay
            else "r2 was called at once: hedges wait for the delay, they do not all start together"
        )
    else:
        mistake = (
            "r2 was called late: call it as soon as the delay has passed since the most recent call started"
            + OTHER_CLOCK
        )
    expect(
        gap is not None and low <= gap <= high,
        saw="calls started at "
        + ", ".join(f"{key} {seconds(start - fake.calls[0].started)}" for key, start in starts.items())
        + " (on the check's simulated clock)"
        if starts
        else "no call",
        expected=f"r2 called {seconds(delay)} after r1 started (between {seconds(low)} and {seconds(high)})",
        mistake=mistake,
    )


@pytest.mark.category("timeout")
def test_a_failure_calls_the_next_replica_at_once(kata):
    """A failing call is replaced at once, not after the delay: r0 fails after 0.05 s and r1 is called at once;
    r2, called after the delay, fails after 0.05 s while r1 still runs, and r3 is called at once. On the
    simulated clock: times are exact."""
    delay = 0.35
    fake = FakeFetch(
        delay=0.05,
        delays={"r1": math.inf},
        errors={"r0": ConnectionError("r0 is down"), "r2": ConnectionError("r2 is down")},
        clock="loop",
    )
    keys = ["r0", "r1", "r2", "r3"]
    outcome = run_in_simulated_time(kata.hedged_fetch(fake, keys, delay))
    expect(
        outcome.returned and outcome.value == fake.results("r3"),
        saw=f"r0 and r2 fail after {seconds(0.05)}, r1 never answers, r3 answers after {seconds(0.05)}, "
        f"and {outcome.on_the_clock()}",
        expected=f"r3's result, {short(fake.results('r3'))}",
        mistake=result_mistake(outcome, fake.errors.values()),
    )
    # At once: within AT_ONCE (0.15 s), the bound of the wall-clock check this was, now exact; a function that
    # waits for the delay calls the next one 0.3 s later (0.35 s from a call's start, which failed after 0.05 s),
    # 2x AT_ONCE. The call log (which replica was called, in which order) backs it.
    for failed, following, while_running in ((0, 1, ""), (2, 3, ", while r1 was still running")):
        if len(fake.calls) > failed and fake.calls[failed].key != keys[failed]:
            break  # out of order: the result check or the correctness checks say so
        gap = handoff(fake, failed, following)
        expect(
            gap is not None and gap <= AT_ONCE,
            saw=f"{keys[failed]} failed{while_running}, and "
            + (
                f"{keys[following]} was never called"
                if gap is None
                else f"{keys[following]} was called {seconds(gap)} later (on the check's simulated clock)"
            ),
            expected=f"{keys[following]} called at once (within {seconds(AT_ONCE)})",
            mistake="after a failure the code waits for the delay (or for the other calls) instead of calling the "
            "next replica: a failure must wake it up at once, as asyncio.wait(..., timeout=delay, "
            "return_when=FIRST_COMPLETED) does",
        )


@pytest.mark.category("timeout")
async def test_the_rest_are_cancelled_before_it_returns(kata):
    """r1, called after the delay, answers first: r0, still running, is cancelled and has ended before r1's
    result comes back, and no task is left running."""
    # r1 answers 0.02 s in, r0 would need 0.5 s: r0 is still running when r1 answers, whatever a loaded machine's
    # stalls (55 ms at worst) add.
    fake = FakeFetch(delay=units(5), delays={"r1": units(0.1)})
    at_end = AtEnd(fake)
    outcome = await run(at_end.watch(kata.hedged_fetch(fake, ["r0", "r1"], units(0.1))))
    running_at_end = at_end.running_keys
    await settle()
    first = fake.calls[0] if fake.calls else None
    expect(
        outcome.returned and outcome.value == fake.results("r1"),
        saw=f"r0 would need {seconds(units(5))}, r1 answers {seconds(units(0.1))} after it is called, the delay is "
        f"{seconds(units(0.1))}, and {outcome.describe()}",
        expected=f"r1's result, {short(fake.results('r1'))}, the first answer",
        mistake="the code waited for the first call rather than taking the first answer"
        if outcome.returned and outcome.value == fake.results("r0")
        else result_mistake(outcome, []),
    )
    expect(
        first is not None and first.outcome == "cancelled",
        saw=f"once it returned, r0 was {'never called' if first is None else first.outcome}",
        expected="r0 cancelled (it received CancelledError)",
        mistake="the calls still running were left running: cancel their tasks (task.cancel()) before returning",
    )
    expect(
        not running_at_end,
        saw=f"when it returned, the calls of {short(running_at_end)} were cancelled but still running",
        expected="every cancelled call ended before the result comes back",
        mistake="task.cancel() only asks a task to stop: await the cancelled tasks too "
        "(asyncio.gather(*tasks, return_exceptions=True), or asyncio.wait) before returning",
    )
    await expect_no_leaked_tasks(after="it returned")


@pytest.mark.category("exceptions")
@given(all_failing)
@example([1])
@example([2, 1, 3])
async def test_every_failure_in_an_exception_group(kata, iterations):
    """Every replica fails: an ExceptionGroup comes out holding the exception of each one (the very objects),
    and nothing else."""
    pattern = [(True, ticks) for ticks in iterations]
    fake, keys = replicas(pattern)
    outcome, watch = await watched(kata, fake, keys, LONG)
    expect_not_idle(watch, pattern)
    failures = [fake.errors[key] for key in keys]
    held = leaves(outcome.error)
    exact = Counter(map(id, held)) == Counter(map(id, failures))
    if any(outcome.error is failure for failure in failures):
        mistake = "one failure came out bare: when every replica has failed, raise ExceptionGroup(message, failures)"
    elif isinstance(outcome.error, ExceptionGroup) and len(held) < len(failures):
        mistake = "only some of the failures are in the group: collect the exception of every call that raised"
    elif isinstance(outcome.error, ExceptionGroup):
        mistake = "the group holds other exceptions than the calls' own ones (a CancelledError? a copy?)"
    else:
        mistake = None
    expect(
        isinstance(outcome.error, ExceptionGroup) and exact,
        saw=f"every replica fails ({plan(pattern)}), and {outcome.describe()}"
        + (f", holding {short(held)}" if held else ""),
        expected=f"an ExceptionGroup holding exactly {short(failures)}, in any order",
        mistake=mistake,
    )


@pytest.mark.category("exceptions")
async def test_no_failure_left_unretrieved(kata):
    """Six replicas end at the same moment, r2 answering and the five others failing: r2's result comes back and
    no exception is left unretrieved in a task (tried several times, as the order in which asyncio reports tasks
    that end together varies)."""
    keys = [f"r{index}" for index in range(6)]
    async with LoopErrors() as loop_errors:
        for _ in range(ROUNDS):
            fake = GatedFetch(errors={key: ConnectionError(f"{key} is down") for key in keys if key != "r2"})
            # A delay of 0.5 ms: the six are called within a few milliseconds, all held at the gate.
            call = KataCall(kata.hedged_fetch(fake, keys, units(0.005)))
            await call.until_called(fake, len(keys))
            await settle()
            fake.open()
            outcome = await call.outcome()
            expect(
                outcome.returned and outcome.value == fake.results("r2"),
                saw=f"all six called, then they end together, r2 answering and the others failing, and "
                f"{outcome.describe()}",
                expected=f"r2's result, {short(fake.results('r2'))}",
                mistake=result_mistake(outcome, fake.errors.values()),
            )
    loop_errors.expect_none(SEVERAL_DONE_AT_ONCE)


@pytest.mark.category("exceptions")
async def test_cancellation_is_not_swallowed(kata):
    """Cancelled while the calls run: it ends cancelled, not with a result or an ExceptionGroup."""
    fake = FakeFetch(delay=units(3))
    # Hedges every 0.01 s: r1 is called soon, and the cancellation reaches the calls long before they would end.
    call = KataCall(kata.hedged_fetch(fake, ["r0", "r1", "r2"], units(0.1)))
    await call.until_called(fake, 2)
    call.cancel()
    outcome = await call.outcome()
    expect(
        outcome.cancelled,
        saw=f"cancelled while the calls ran, {outcome.describe()}",
        expected="it ends cancelled: asyncio.CancelledError goes on up",
        mistake=swallowed(
            outcome,
            "CancelledError was caught as if it were a failed call (a bare except:, or except BaseException:): "
            "catch Exception, and let cancellation through",
        ),
    )
