"""Hidden suite: completion_order.in_completion_order(coro_fns), an async generator."""

import asyncio
import math
from collections import Counter

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from harness import (
    FakeFetch,
    KataCall,
    LoopErrors,
    LoopWatch,
    Outcome,
    expect,
    expect_no_leaked_tasks,
    iteration,
    seconds,
    settle,
    short,
    units,
)
from harness.inputs import text
from harness.sandbox import RemoteObject, current_sandbox
from harness.timing import real_perf_counter, until


class Consumer(KataCall):
    """Iterates `in_completion_order(coro_fns)` from the judge as a careful consumer does, every step in one task
    of the sandbox's (harness.iteration): `async with aclosing(...)`, `async for`, and a `break` after
    `stop_after` items. `note()` is called as the first item arrives.

    What the consumer saw: `items`, `times` (how long after iteration began each came), `noted`, and
    `not_a_generator` (the type of what the function gave, when `async for` cannot iterate it). `cancel()`
    cancels the consumer while it waits: the step under way receives CancelledError; `outcome()` is how the
    iteration ended, as it would have for the consumer's own task."""

    def __init__(self, kata, coro_fns, *, stop_after: int | None = None, note=None) -> None:
        self.iteration = iteration.Consumer(kata.in_completion_order.in_loop_thread(coro_fns))
        self.times: list[float] = []
        self.noted: object = None
        self.step: KataCall | None = None
        self.cancel_next = False
        self.started = real_perf_counter()
        self.task = asyncio.ensure_future(self._consume(stop_after, note))

    @property
    def items(self) -> list:
        return self.iteration.items

    @property
    def not_a_generator(self) -> str | None:
        return self.iteration.not_a_generator

    def cancel(self) -> None:
        self.cancelling = asyncio.ensure_future(self._cancel())

    async def _cancel(self) -> None:
        # The consumer's task is cancelled while it awaits the generator: the step under way, once the sandbox has
        # begun it; and should that step end first (its end and the cancel crossing on the way), the next one, as
        # asyncio throws a task's cancellation in at its next await.
        await settle(1)
        self.cancel_next = True
        if self.step is not None and not self.step.task.done():
            self.step.cancel()

    async def outcome(self) -> Outcome:
        outcome = await self.task
        outcome.elapsed = real_perf_counter() - self.started
        return outcome

    async def _consume(self, stop_after, note) -> Outcome:
        made = await self.iteration.begin()
        if self.iteration.generator is None:
            return made
        ended = Outcome()
        while stop_after is None or len(self.items) < stop_after:
            self.step = self.iteration.step()
            if self.cancel_next:
                self.cancel_next = False
                await settle(1)  # the sandbox has begun the step
                self.step.cancel()
            step = await self.step.outcome()
            self.iteration.note(step)
            if iteration.stopped(step):
                break
            if not step.returned:
                ended = step
                break
            self.times.append(real_perf_counter() - self.started)
            if note is not None and len(self.items) == 1:
                self.noted = note()
        # aclosing's exit: what aclose() raises replaces what the loop ended with.
        closed = await self.iteration.close()
        return ended if closed.returned else closed


def expect_a_generator(seen: Consumer) -> None:
    expect(
        seen.not_a_generator is None,
        saw=f"in_completion_order(...) gave a {seen.not_a_generator}, which `async for` cannot iterate",
        expected="an async generator: an `async def` with `yield` in its body",
        mistake="the results are collected and returned rather than yielded one at a time",
    )


# What as_completed and create_task give, as the learner's objects cross: references to objects in the sandbox.
AWAITABLE_TYPES = {"coroutine", "Future", "Task"}


def yielded_awaitables(seen: Consumer) -> bool:
    return any(isinstance(item, RemoteObject) and item.type_name in AWAITABLE_TYPES for item in seen.items)


AWAITABLES = "awaitables were yielded as they are (as_completed gives awaitables): await each one and yield its result"


def error_mistake(outcome, failure: BaseException, seen: Consumer) -> str:
    """What usually stands between a call's exception and the consumer."""
    if yielded_awaitables(seen):
        return AWAITABLES
    if isinstance(outcome.error, BaseExceptionGroup):
        return "a TaskGroup's ExceptionGroup came out as it is: the call's own error must come out unwrapped"
    if any(item is failure for item in seen.items):
        return "the exception was yielded as a result (return_exceptions=True?) instead of raised"
    if outcome.returned:
        return "the exception was caught and the iteration ended quietly"
    return "the exception was replaced by another one"


def callers(fake: FakeFetch, keys) -> list:
    return [fake.caller(key) for key in keys]


async def expect_cancelled(fake: FakeFetch, keys: list, after: str) -> None:
    """Each of these calls received CancelledError: the one proof that the generator cancelled it."""
    # A call cancelled and not waited for ends once its cancellation has reached the judge (a round trip): give it
    # 0.2 s, far longer than that, and far short of the 1 s (or never) an uncancelled call runs.
    await until(lambda: not any(call.key in keys for call in fake.running), units(2))
    how = {call.key: call.outcome for call in fake.calls}
    states = [how.get(key, "never called") for key in keys]
    if "never called" in states:
        mistake = "the functions are not all called when iteration begins: start every one before waiting for any"
    elif "returned" in states:
        mistake = "the generator waited for the other calls to finish instead of cancelling them"
    else:
        mistake = "nothing cancels the tasks still running " + after + ": cancel them in a finally around the loop"
    expect(
        all(state == "cancelled" for state in states),
        saw=f"{after}, the calls that had not finished: "
        + ", ".join(f"{key} {state}" for key, state in zip(keys, states, strict=False)),
        expected="every one of them cancelled (each received CancelledError)",
        mistake=mistake,
    )


# Turns of the sandbox's loop (FakeFetch with ticks) between one call's end and the next: room for any correct
# solution to see the first end, and its consumer to take that result, before the next call finishes, so the completion
# order is exact.
SPACING = 10
# Each function: (the slot in which it finishes, its result). Results include None, 0 and repeats. Six slots
# for at most six functions: each turn costs a round trip to the sandbox.
slotted = st.lists(
    st.tuples(st.integers(0, 5), st.one_of(st.none(), st.integers(-2, 2), text(3))),
    max_size=6,
    unique_by=lambda pair: pair[0],
)


@pytest.mark.category("correctness")
@given(slotted)
@example([])
@example([(5, "slow"), (0, "fast"), (2, "middle")])
@example([(0, None), (1, 0), (2, "")])
async def test_yields_in_completion_order(kata, pairs):
    """Every result is yielded once, in the order the calls finish, falsy ones included; none for no functions."""
    fake = FakeFetch(
        delays={index: slot * SPACING for index, (slot, _) in enumerate(pairs)},
        ticks=True,
        results=lambda index: pairs[index][1],
    )
    seen = Consumer(kata, callers(fake, range(len(pairs))))
    outcome = await seen.outcome()
    expect_a_generator(seen)
    in_list_order = [value for _, value in pairs]
    expected = [value for _, value in sorted(pairs, key=lambda pair: pair[0])]
    if yielded_awaitables(seen):
        mistake = AWAITABLES
    elif len(seen.items) < len(expected):
        mistake = "some results were never yielded (falsy ones skipped by an `if result:`?)"
    elif seen.items == in_list_order != expected:
        mistake = "results yielded in the order the functions were given, not the order they finished"
    else:
        mistake = None
    expect(
        outcome.returned and seen.items == expected,
        saw=f"calls finishing in the order {short(expected)}: it yielded {short(seen.items)}, and {outcome.describe()}",
        expected=f"the results {short(expected)}, in that order, and the iteration ending normally",
        mistake=mistake,
    )
    expect(
        sorted(fake.keys) == list(range(len(pairs))),
        saw=f"{len(fake.calls)} call(s) for {len(pairs)} function(s), {len(set(fake.keys))} of them called",
        expected="each function called exactly once",
    )


@pytest.mark.category("concurrency")
async def test_all_run_at_once(kata):
    """Ten calls of 0.1 s run at the same time: all ten results in about 0.1 s, not 1 s."""
    fake = FakeFetch(delay=units(1))
    async with LoopWatch() as watch:
        seen = Consumer(kata, callers(fake, range(10)))
        outcome = await seen.outcome()
    expect_a_generator(seen)
    results = [fake.results(key) for key in range(10)]
    expect(
        outcome.returned and Counter(map(repr, seen.items)) == Counter(map(repr, results)),
        saw=f"it yielded {short(seen.items)}, then {outcome.describe()}",
        expected=f"the ten results ({short(results)}, in any order), then the iteration ending normally",
    )
    # Ideal 0.1 s, one after another 1.0 s: the bound is 4x the one and 2.5x short of the other. The peak counter
    # says exactly whether all ten ran at once; the heartbeat and the time.sleep detector, whether the loop blocked.
    fake.expect_all_at_once(10, seen.times[-1], bound=units(4))
    watch.expect_free()


@pytest.mark.category("concurrency")
async def test_first_result_comes_first(kata):
    """Three calls of 1 s and one of 0.1 s, the fast one listed last: its result comes after about 0.1 s."""
    fake = FakeFetch(delays={"fast": units(1)}, delay=units(10))
    keys = ["slow 1", "slow 2", "slow 3", "fast"]
    seen = Consumer(kata, callers(fake, keys), stop_after=1, note=lambda: len(fake.running))
    outcome = await seen.outcome()
    expect_a_generator(seen)
    expect(
        seen.items == [fake.results("fast")],
        saw=f"the first result yielded was {short(seen.items[0]) if seen.items else 'none'} ({outcome.describe()})",
        expected=f"the fast call's result first, {short(fake.results('fast'))}",
        mistake="the calls run one after another, or their results come out in the order the functions were given",
    )
    # The fast call takes 0.1 s; waiting for every call first takes 1.0 s: the bound is 4x the one and 2.5x
    # short of the other. The running count taken as the first result arrived is exact: the three slow calls
    # must all still be running then.
    expect(
        seen.times[0] <= units(4) and seen.noted == 3,
        saw=f"the first result came after {seconds(seen.times[0])}, when {seen.noted} of the 3 slow calls were "
        "still running",
        expected=f"the first result as soon as the fast call is done: after about {seconds(units(1))} (at most "
        f"{seconds(units(4))}), while the slow ones still run",
        mistake="every call is awaited (gather, or a list filled from as_completed) before the first yield: "
        "yield each result as soon as it is ready",
    )


@pytest.mark.category("timeout")
async def test_early_close_cancels_the_rest(kata):
    """The consumer breaks after the first result and closes the generator: the calls still running are cancelled."""
    # The three slow calls would take 1 s: a correct solution cancels them within a few loop iterations.
    fake = FakeFetch(delays={"fast": 0}, delay=units(10))
    slow = ["slow 1", "slow 2", "slow 3"]
    seen = Consumer(kata, callers(fake, ["slow 1", "fast", "slow 2", "slow 3"]), stop_after=1)
    outcome = await seen.outcome()
    expect_a_generator(seen)
    expect(
        seen.items == [fake.results("fast")],
        saw=f"the first result yielded was {short(seen.items[0]) if seen.items else 'none'} ({outcome.describe()})",
        expected=f"the fast call's result, {short(fake.results('fast'))}",
    )
    expect(
        outcome.returned,
        saw=f"after the first result the consumer broke out of `async with aclosing(...)`, which closed the "
        f"generator: {outcome.describe()}",
        expected="the generator to close quietly (aclose() returns)",
        mistake="the cleanup raised something, or swallowed GeneratorExit and yielded again",
    )
    await settle()
    await expect_cancelled(fake, slow, after="after aclose()")
    await expect_no_leaked_tasks(after="the generator was closed")


@pytest.mark.category("exceptions")
async def test_error_propagates_unchanged(kata):
    """A call that raises: that very exception comes out of the iteration, after the earlier results."""
    failure = LookupError("no such page")
    fake = FakeFetch(delays={"fast": 1, "bad": 12}, delay=math.inf, ticks=True, errors={"bad": failure})
    seen = Consumer(kata, callers(fake, ["fast", "bad", "slow"]))
    outcome = await seen.outcome()
    expect_a_generator(seen)
    expect(
        outcome.error is failure,
        saw=f"one call raised {short(failure)}; the iteration yielded {short(seen.items)}, then {outcome.describe()}",
        expected=f"that very exception, {short(failure)}, raised out of the async for",
        mistake=error_mistake(outcome, failure, seen),
    )
    expect(
        seen.items == [fake.results("fast")],
        saw=f"before the error, it yielded {short(seen.items)}",
        expected=f"the fast call's result, {short(fake.results('fast'))}, which was ready long before the error",
        mistake="results are held back until every call is done: yield each one as soon as it is ready",
    )


@pytest.mark.category("exceptions")
async def test_error_cancels_the_rest(kata):
    """After a call raises, the calls still running are cancelled, and no other error is left unretrieved."""
    failures = {"bad": LookupError("no such page"), "later": ValueError("also failed, later")}
    fake = FakeFetch(delays={"bad": 2, "later": 40}, delay=math.inf, ticks=True, errors=failures)
    async with LoopErrors() as loop_errors:
        seen = Consumer(kata, callers(fake, ["bad", "later", "slow"]))
        outcome = await seen.outcome()
        await current_sandbox().turns(60)  # the later failure would have happened by now, had it not been cancelled
        await settle()
    expect_a_generator(seen)
    expect(
        outcome.error is failures["bad"],
        saw=f"one call raised {short(failures['bad'])}; the iteration yielded {short(seen.items)}, then "
        f"{outcome.describe()}",
        expected=f"that very exception, {short(failures['bad'])}, raised out of the async for",
        mistake=error_mistake(outcome, failures["bad"], seen),
    )
    await expect_cancelled(fake, ["later", "slow"], after="after the error")
    await expect_no_leaked_tasks(after="the error")
    loop_errors.expect_none()


@pytest.mark.category("exceptions")
async def test_cancelled_consumer_cancels_the_rest(kata):
    """The consumer is cancelled while it waits for the next result: it ends cancelled, and so does every call."""
    fake = FakeFetch(delays={"fast": 1}, delay=math.inf, ticks=True)
    seen = Consumer(kata, callers(fake, ["fast", "never 1", "never 2"]))
    await seen.until_called(fake)
    await settle(10)  # every call has started, the fast result has been yielded: the consumer waits for the next
    waiting = not seen.task.done()
    seen.cancel()
    outcome = await seen.outcome()
    expect_a_generator(seen)
    expect(
        waiting,
        saw=f"the iteration over before two of the three calls had finished: it yielded {short(seen.items)}, then "
        f"{outcome.describe()}",
        expected="it to wait for the next result",
        mistake=AWAITABLES if yielded_awaitables(seen) else "the iteration stops before every call has finished",
    )
    expect(
        outcome.cancelled,
        saw=f"cancelled while waiting for the next result, {outcome.describe()}",
        expected="it ends cancelled: asyncio.CancelledError goes on up out of the iteration",
        mistake="CancelledError was caught in the generator (a bare except:, or except BaseException:) and "
        "the iteration ended quietly: clean up in a finally and let it propagate",
    )
    await settle()
    await expect_cancelled(fake, ["never 1", "never 2"], after="after the consumer was cancelled")
    await expect_no_leaked_tasks(after="the consumer was cancelled")
