"""Hidden suite: first_success.first_success(coro_fns).

Orders and results run on tick-driven fakes; the checks of how long it takes (all at once, back at the first
success) run the learner's code on the simulated clock (harness.scripted), where the calls' delays cost no real
time and every time is exact whatever the load; the event loop's freedom, cancellation and unretrieved exceptions
are checked on the real loop.
"""

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
from harness.scripted import run_in_simulated_time

# Attempts finish at "levels" LEVEL turns of the sandbox's event loop apart (FakeFetch with ticks): more than twice
# the two turns any solution needs to notice that one has finished (the answer read, the waiting task woken), so
# "the first to succeed" is never in doubt; attempts on the
# same level finish together, and then any of them may win. Each waits at least one turn, so every call has
# started before any ends.
LEVEL = 5
# Calls ending together, in rounds: a function that leaves some done task unexamined goes unnoticed only if
# asyncio happens to report that task last, (1/6) ** 8 of the time.
ROUNDS = 8
# (level, fails?) per attempt.
attempt = st.tuples(st.integers(0, 4), st.booleans())
with_a_success = st.lists(attempt, min_size=1, max_size=6).filter(lambda pattern: not all(f for _, f in pattern))
all_failing = st.lists(st.integers(0, 4), min_size=1, max_size=6)


def iterations(level: int) -> int:
    return 1 + level * LEVEL


def attempts(pattern) -> tuple[FakeFetch, list, dict]:
    """A fake whose key f<i> returns or raises after iterations(level) turns of the sandbox's loop, the functions
    calling it, and the exception each failing key raises."""
    keys = [f"f{index}" for index in range(len(pattern))]
    errors = {key: ConnectionError(f"{key} is down") for key, (_, fails) in zip(keys, pattern, strict=False) if fails}
    delays = {key: iterations(level) for key, (level, _) in zip(keys, pattern, strict=False)}
    fake = FakeFetch(delays=delays, errors=errors, ticks=True)
    return fake, [fake.caller(key) for key in keys], errors


def plan(pattern) -> str:
    """The attempts in a learner's words: 'f0 raises after 1 loop iterations, f1 returns after 11'."""
    return ", ".join(
        f"f{index} {'raises' if fails else 'returns'} after {iterations(level)}"
        + (" loop iterations" if not index else "")
        for index, (level, fails) in enumerate(pattern)
    )


def result_mistake(outcome, errors) -> str | None:
    """Why the outcome is not the first success's result, in a learner's words."""
    if any(outcome.error is error for error in errors):
        return (
            "a failure ended the call while other calls were still running: ignore it and wait for the next "
            "call to finish"
        )
    if isinstance(outcome.error, BaseExceptionGroup):
        return (
            "a failure cancelled the other calls (a TaskGroup does that), or a success was missed: catch each "
            "call's failure, or use asyncio.wait / asyncio.as_completed, and look at every task that is done"
        )
    if outcome.returned and isinstance(outcome.value, BaseException):
        return "an exception was returned as a result (gather with return_exceptions=True?)"
    if outcome.returned:
        return (
            "not the result of the first call to succeed: take the calls in the order they finish "
            "(asyncio.wait with FIRST_COMPLETED, or asyncio.as_completed), look at every task in the done set, "
            "and return at once"
        )
    return None


def group_mistake(error, failures) -> str | None:
    """Why the error is not an ExceptionGroup of exactly `failures`, in a learner's words."""
    held = leaves(error)
    if any(error is failure for failure in failures):
        return "one failure came out bare: when every call has failed, raise ExceptionGroup(message, failures)"
    if error is None:
        return "the failures were swallowed: when every call has failed, raise an ExceptionGroup of them"
    if not isinstance(error, ExceptionGroup):
        return None
    if any(type(inner).__name__ == "CancelledError" for inner in held):
        return "the group holds a CancelledError: it holds the calls' own exceptions, and nothing else"
    if len(held) < len(failures):
        return "only some of the failures are in the group: collect the exception of every call that raised"
    return "the group holds other exception objects than the calls' own ones"


@pytest.mark.category("correctness")
@given(with_a_success)
@example([(0, True), (1, False)])  # a failure first: ignored, the success after it wins
@example([(3, False), (1, False), (2, True), (4, False)])
@example([(1, False), (1, False), (1, True)])  # two succeed together: either may win
async def test_returns_the_first_success(kata, pattern):
    """Whatever the order in which the calls succeed and fail: the result of the first one to succeed comes
    back, and every function is called exactly once."""
    fake, coro_fns, errors = attempts(pattern)
    outcome = await run(kata.first_success(coro_fns))
    first = min(level for level, fails in pattern if not fails)
    winners = [fake.results(f"f{i}") for i, (level, fails) in enumerate(pattern) if not fails and level == first]
    expect(
        outcome.returned and outcome.value in winners,
        saw=f"with {plan(pattern)}, {outcome.describe()}",
        expected=f"the result of the first call to succeed, {' or '.join(map(short, winners))}",
        mistake=result_mistake(outcome, errors.values()),
    )
    expect(
        Counter(fake.keys) == Counter(f"f{index}" for index in range(len(pattern))),
        saw=f"with {len(pattern)} functions, calls for {short(fake.keys)}",
        expected="each function called exactly once",
        mistake="a function called twice, or never (every function starts at the beginning, whatever happens later)",
    )


@pytest.mark.category("correctness")
async def test_no_functions_raises_value_error(kata):
    """An empty list: ValueError, as there is no result to wait for."""
    outcome = await run(kata.first_success([]))
    expect(
        isinstance(outcome.error, ValueError),
        saw=f"for an empty list, {outcome.describe()}",
        expected="ValueError: there is nothing that could succeed",
        mistake="check for an empty list first, and raise ValueError",
    )


@pytest.mark.category("concurrency")
def test_all_calls_run_at_once(kata):
    """Five calls of 0.2 s, four of them failing: they all run at the same time, 0.2 s in all, not 1 s. On the
    simulated clock: times are exact."""
    fake = FakeFetch(delay=0.2, errors={key: ConnectionError(f"{key} is down") for key in "abcd"}, clock="loop")
    outcome = run_in_simulated_time(kata.first_success([fake.caller(key) for key in "abcde"]))
    expect(
        outcome.returned and outcome.value == fake.results("e"),
        saw=f"a, b, c and d fail and e succeeds, and {outcome.on_the_clock()}",
        expected=f"e's result, {short(fake.results('e'))}",
        mistake=result_mistake(outcome, fake.errors.values()),
    )
    # Together 0.2 s, one after another 1.0 s: the bound (kept from the wall-clock check this was, now exact) is
    # 2.5x the one and 2x short of the other; the peak counter (5 at once) is exact by itself.
    fake.expect_all_at_once(5, outcome.elapsed, bound=0.5)


@pytest.mark.category("concurrency")
def test_returns_at_the_first_success(kata):
    """One call succeeds after 0.1 s, the others would need 0.8 s: the result comes back after 0.1 s. On the
    simulated clock: times are exact."""
    fake = FakeFetch(delay=0.8, delays={"fast": 0.1}, clock="loop")
    outcome = run_in_simulated_time(kata.first_success([fake.caller(key) for key in ("slow", "fast", "slower")]))
    finished = [call.key for call in fake.calls if call.key != "fast" and call.outcome == "returned"]
    # First success at 0.1 s, the others at 0.8 s: the bound (kept from the wall-clock check this was, now exact)
    # is 4x the one and 2x short of the other; the call log (no slow call allowed to have finished when the
    # result comes back) backs it.
    bound = 0.4
    expect(
        outcome.returned and outcome.value == fake.results("fast") and outcome.elapsed <= bound and not finished,
        saw=f"'fast' succeeds after {seconds(0.1)}, the others after {seconds(0.8)}, and {outcome.on_the_clock()}"
        + (f"; the calls of {short(finished)} ran to the end" if finished else ""),
        expected=f"'fast''s result, {short(fake.results('fast'))}, soon after it arrives: within {seconds(bound)}",
        mistake="the calls ran one after another: start them all before waiting for any"
        if len(fake.calls) < 3
        else "the code waited for every call (gather, or asyncio.wait for all) before choosing: return as soon "
        "as one succeeds (asyncio.wait with FIRST_COMPLETED, or asyncio.as_completed)"
        if finished or outcome.elapsed > bound
        else result_mistake(outcome, []),
    )


@pytest.mark.category("concurrency")
async def test_event_loop_stays_free(kata):
    """While the calls wait, the event loop keeps running other tasks."""
    # Calls of 0.05 s: blocking the loop while they run (a busy loop waiting for them) stalls it until the
    # check's budget runs out, as their answers cannot be read meanwhile; time.sleep is named whatever its length.
    fake = FakeFetch(delay=units(0.5), errors={"a": ConnectionError("a is down")})
    async with LoopWatch() as watch:
        await run(kata.first_success([fake.caller(key) for key in "abc"]))
    watch.expect_free()


@pytest.mark.category("timeout")
async def test_the_rest_are_cancelled_before_it_returns(kata):
    """Once one call has succeeded, every other call is cancelled, and has ended before the result comes
    back: no task is left running."""
    # 'winner' answers after 0.01 s, the others would need 0.5 s: they are still running when it answers,
    # whatever a loaded machine's stalls (55 ms at worst) add.
    fake = FakeFetch(delay=units(5), delays={"winner": units(0.1)})
    keys = ["a", "b", "winner", "c"]
    at_end = AtEnd(fake)
    outcome = await run(at_end.watch(kata.first_success([fake.caller(key) for key in keys])))
    running_at_end = at_end.running_keys
    await settle()
    losers = [call for call in fake.calls if call.key != "winner"]
    expect(
        outcome.returned and outcome.value == fake.results("winner"),
        saw=f"'winner' succeeds after {seconds(units(0.1))}, the others would need {seconds(units(5))}, and "
        f"{outcome.describe()}",
        expected=f"'winner''s result, {short(fake.results('winner'))}",
        mistake=result_mistake(outcome, []),
    )
    if any(call.outcome == "returned" for call in losers):
        mistake = "the code waited for every call to finish instead of cancelling the others at the first success"
    else:
        mistake = "the other calls were left running: cancel their tasks (task.cancel()) before returning"
    expect(
        len(losers) == len(keys) - 1 and all(call.outcome == "cancelled" for call in losers),
        saw=f"'winner' succeeds after {seconds(units(0.1))}, the others would need {seconds(units(5))}, and once it "
        "returned: "
        + ", ".join(f"{call.key} {'still running' if call.outcome == 'running' else call.outcome}" for call in losers),
        expected=f"the {len(keys) - 1} other calls cancelled (each received CancelledError)",
        mistake=mistake,
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
@example([0, 0, 0])  # all fail at the same moment
@example([2, 0, 1])
async def test_every_failure_in_an_exception_group(kata, levels):
    """Every call fails: an ExceptionGroup comes out holding the exception of each one (the very objects),
    whatever order they fail in, and nothing else."""
    fake, coro_fns, errors = attempts([(level, True) for level in levels])
    failures = list(errors.values())
    outcome = await run(kata.first_success(coro_fns))
    held = leaves(outcome.error)
    exact = Counter(map(id, held)) == Counter(map(id, failures))
    expect(
        isinstance(outcome.error, ExceptionGroup) and exact,
        saw=f"every call fails ({plan([(level, True) for level in levels])}), and {outcome.describe()}"
        + (f", holding {short(held)}" if held else ""),
        expected=f"an ExceptionGroup holding exactly {short(failures)}, in any order",
        mistake=group_mistake(outcome.error, failures),
    )


@pytest.mark.category("exceptions")
async def test_no_failure_left_unretrieved(kata):
    """Six calls end at the same moment, f2 succeeding and the five others failing: f2's result comes back and no
    exception is left unretrieved in a task (tried several times, as the order in which asyncio reports tasks
    that end together varies)."""
    keys = [f"f{index}" for index in range(6)]
    async with LoopErrors() as loop_errors:
        for _ in range(ROUNDS):
            fake = GatedFetch(errors={key: ConnectionError(f"{key} is down") for key in keys if key != "f2"})
            call = KataCall(kata.first_success([fake.caller(key) for key in keys]))
            await call.until_called(fake)
            await settle()  # every call started together gets going
            fake.open()
            outcome = await call.outcome()
            expect(
                outcome.returned and outcome.value == fake.results("f2"),
                saw=f"all six end together, f2 succeeding and the others failing, and {outcome.describe()}",
                expected=f"f2's result, {short(fake.results('f2'))}",
                mistake=result_mistake(outcome, fake.errors.values()),
            )
    loop_errors.expect_none(SEVERAL_DONE_AT_ONCE)


@pytest.mark.category("exceptions")
async def test_cancellation_is_not_swallowed(kata):
    """Cancelled while the calls run: it ends cancelled, not with a result or an ExceptionGroup."""
    fake = FakeFetch(delay=units(3))
    call = KataCall(kata.first_success([fake.caller(key) for key in "abc"]))
    await call.until_called(fake)
    await settle()  # every call started together gets going
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
