"""Running the learner's function and judging what happened, in messages a learner can act on.

Every failed check says what it saw, what it expected and the likely mistake.
"""

import asyncio
import contextlib
import math
import reprlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from grader.wire import WireError, cap

from .sandbox import Missing, RemoteCall, SandboxEnded, current_sandbox
from .timing import real_perf_counter, real_sleep, seconds, units, until

_short = reprlib.Repr()
_short.maxstring = 60
_short.maxother = 60


def short(value: Any) -> str:
    """A value as a learner would want to read it in a message: repr, cut short."""
    return _short.repr(value)


def same(value: Any, expected: Any) -> bool:
    """The learner's function handed `expected` back as it is: values cross from the sandbox as data, so "the
    very object" means the same type and an equal value (objects the judge lent come back as themselves)."""
    return type(value) is type(expected) and (value is expected or value == expected)


def expect(condition: bool, *, saw: str, expected: str, mistake: str | None = None) -> None:
    """The one way a check fails: what was observed, what the contract wanted, and what usually causes it."""
    if not condition:
        lines = [f"Saw: {saw}.", f"Expected: {expected}."]
        if mistake:
            lines.append(f"Likely mistake: {mistake}.")
        raise AssertionError("\n".join(lines))


def leaves(error: BaseException | None) -> list[BaseException]:
    """The exceptions an exception group holds, nested groups flattened, in order; [] for anything else."""
    if not isinstance(error, BaseExceptionGroup):
        return []
    found = []
    for inner in error.exceptions:
        found.extend(leaves(inner) if isinstance(inner, BaseExceptionGroup) else [inner])
    return found


def counted(facts: list[str]) -> list[str]:
    """Each distinct fact once, in first-seen order, with how many times it came: 'X (13 times)'."""
    counts: dict[str, int] = {}
    for fact in facts:
        counts[fact] = counts.get(fact, 0) + 1
    return [fact if count == 1 else f"{fact} ({count} times)" for fact, count in counts.items()]


def describe_error(error: BaseException) -> str:
    """An exception as a learner reads it: its type and its whole message (cut at the end if very long, never
    in the middle: a path or a message halved says nothing)."""
    text = str(error)
    return f"{type(error).__name__}({cap(text, 500)})" if text else type(error).__name__


# The learner's code gets this long, over all the calls of one check (every hypothesis example of it),
# before the check stops it: far above what a correct solution needs, below pytest-timeout's backstop.
CHECK_BUDGET = units(25)
_budget_ends = math.inf


def start_check_budget() -> None:
    global _budget_ends
    _budget_ends = real_perf_counter() + CHECK_BUDGET


class CheckOverrun(BaseException):
    """The learner's code ran past the check's budget. Not an Exception, so hypothesis lets it through at once
    instead of replaying a slow example again and again while it shrinks."""


@dataclass
class Outcome:
    """How one call of the learner's function ended."""

    value: Any = None
    error: BaseException | None = None
    cancelled: bool = False
    elapsed: float = 0.0
    where: str | None = None  # the learner's file and line the error came through
    cancel_reached: bool = False  # the sandbox's word: a cancellation reached the call before it ended

    @property
    def returned(self) -> bool:
        return self.error is None and not self.cancelled

    def describe(self) -> str:
        if self.cancelled:
            return f"it ended cancelled after {self.elapsed:.2f} s"
        if self.error is not None:
            place = f" ({self.where})" if self.where else ""
            return f"it raised {describe_error(self.error)}{place} after {self.elapsed:.2f} s"
        return f"it returned {short(self.value)} after {self.elapsed:.2f} s"


class KataCall:
    """A call of the learner's function running in the sandbox, so a check can cancel it midway and see how it
    ends. `call.task` is a future that is done once the judge has learned how the call ended."""

    def __init__(self, call: RemoteCall) -> None:
        if not isinstance(call, RemoteCall):
            raise TypeError(f"KataCall takes a call of the learner's function (kata.NAME(...)), not {call!r}")
        self.call = call.start()
        self.started = self.call.started_at
        self.task = self.call.ended

    def cancel(self) -> None:
        self.call.cancel()

    async def until(self, condition: Callable[[], bool], within: float = units(10)) -> bool:
        """Wait until `condition()` holds, or the learner's call has ended, or `within` has passed; whether it
        holds."""
        await until(lambda: condition() or self.task.done(), within)
        return condition()

    async def until_called(self, fake, count: int = 1, within: float = units(10)) -> None:
        """Wait until the learner's code has started `count` calls of `fake`, or has already ended (the check
        then sees how it ended)."""
        called = await self.until(lambda: len(fake.calls) >= count, within)
        expect(
            called or self.task.done(),
            saw=f"{len(fake.calls)} call(s) of the function your code was given, after {seconds(within)}",
            expected=f"at least {count}",
            mistake="the function it was given is never called, or only after a long wait",
        )

    async def outcome(self) -> Outcome:
        done, _ = await asyncio.wait([self.task], timeout=max(0.0, _budget_ends - real_perf_counter()))
        if not done:
            self.cancel()
            done, _ = await asyncio.wait([self.task], timeout=units(5))
            if not done:  # the loop never came back: no cancellation reaches it
                self.call.sandbox.kill("it was still running when the check's time ran out")
            raise CheckOverrun(
                f"Saw: your function still running when this check's time ran out ({seconds(CHECK_BUDGET)} over "
                f"all its calls; this call had run for {seconds(real_perf_counter() - self.started)}).\n"
                "Expected: every call to finish as soon as its work is done: this check's fakes answer within "
                "a fraction of that.\n"
                "Likely mistake: waiting for something that never happens (a task never finished, a future never "
                "set), or sitting out a whole delay or timeout when the result is already there."
                + (
                    ""
                    if done
                    else " The event loop never got control back, even to be cancelled: a loop without "
                    "any await, or a blocking call that never returns?"
                )
            )
        return outcome_of(self.call, self.task.result(), (self.call.ended_at or real_perf_counter()) - self.started)


def outcome_of(call: RemoteCall, message: dict, elapsed: float) -> Outcome:
    """How a call ended, from the sandbox's word on it; a stub's NotImplementedError makes the kata "not
    started", and is raised."""
    outcome = Outcome(elapsed=elapsed, cancel_reached=message.get("cancel_reached") is True)
    try:
        outcome.value = call.sandbox.outcome_value(message)
    except asyncio.CancelledError:
        outcome.cancelled = True
    except WireError as error:
        outcome.error = RuntimeError(f"your function's result could not be sent to the grader: {error}")
    except BaseException as error:  # noqa: BLE001 - rebuilt from data: whatever the learner's code raised
        if isinstance(error, (NotImplementedError, Missing)):  # a stub, or no such function: not an outcome
            raise error
        outcome.error = error
        outcome.where = getattr(error, "remote_where", None)
    return outcome


def unwrapped_mistake(error: BaseException | None, failures: list, swallowed: str) -> str | None:
    """The likely mistake when a call's own exception had to come out as it is, and did not: it came out in an
    ExceptionGroup (a TaskGroup's), or not at all (`swallowed` says how, in this kata's words)."""
    if isinstance(error, BaseExceptionGroup) and any(inner is f for inner in leaves(error) for f in failures):
        return (
            "the failure came out inside an ExceptionGroup (a TaskGroup raises one): take the exception out of "
            "the group and raise it as it is (except ExceptionGroup as group: raise group.exceptions[0])"
        )
    return swallowed if error is None else None


NEVER_PAUSED = (
    "it ended before the cancellation could reach it: after it was cancelled, the code never paused at an `await`. "
    "A blocking call (time.sleep) holds the whole event loop, cancellation included, and a call made without "
    "`await` does not run at all"
)


def swallowed(outcome: Outcome, how: str) -> str:
    """The likely mistake when a call cancelled midway did not end cancelled: `how` the code swallowed the
    CancelledError when the cancellation reached it; else that it never paused where one can."""
    return how if outcome.cancel_reached else NEVER_PAUSED


async def run(call: RemoteCall) -> Outcome:
    """Run a call of the learner's function to its end and say how it ended."""
    return await KataCall(call).outcome()


def expect_one_result_per_input(outcome: Outcome, fake, inputs: list, *, noun: str, function: str) -> None:
    """The function returned `fake`'s result for every input, in input order (not completion order), having
    called `fake` exactly once per input, duplicates included. `noun` and `function` name them for the learner:
    "key" and "fetch", say."""
    expected = [fake.results(item) for item in inputs]
    expect(
        outcome.returned and list(outcome.value or []) == expected,
        saw=f"for {noun}s {short(inputs)}, {outcome.describe()}",
        expected=f"the list {short(expected)}",
        mistake=f"results collected in the order the calls finished, rather than in {noun} order"
        if outcome.returned and Counter(map(repr, outcome.value or [])) == Counter(map(repr, expected))
        else None,
    )
    expect(
        Counter(fake.keys) == Counter(inputs),
        saw=f"{function} called with {short(fake.keys)}",
        expected=f"exactly one call per {noun}, duplicates included: {short(inputs)}",
        mistake=f"duplicate {noun}s removed (a set or dict of {noun}s), or a {noun} used twice",
    )


async def settle(iterations: int = 5) -> None:
    """Let both loops run a few iterations: tasks that were cancelled (and not awaited) get to finish, in the
    sandbox and here."""
    await _settle_both(iterations)


async def _settle_both(iterations: int, collect: bool = False) -> dict:
    for _ in range(iterations):
        await real_sleep(0)
    answer: dict = {}
    sandbox = current_sandbox()
    if sandbox is not None:
        with contextlib.suppress(SandboxEnded):
            answer = await sandbox.probe("settle", iterations=iterations, collect=collect)
    for _ in range(iterations):
        await real_sleep(0)
    return answer


async def leaked_tasks() -> int:
    """Tasks still running in the sandbox, once both loops have settled, besides the ones it runs for the judge (a
    probe of the sandbox's: it can only fail a check)."""
    return (await _settle_both(5)).get("running", 0)


async def expect_no_leaked_tasks(after: str) -> None:
    leaked = await leaked_tasks()
    expect(
        not leaked,
        saw=f"{leaked} task(s) still running after {after}",
        expected="every task the function started to have finished or been cancelled",
        mistake="a task created with create_task (or wrapped by wait/shield) was left running: cancel it and await it",
    )


class LoopErrors:
    """`async with LoopErrors() as errors:` what the sandbox's event loop reported to its exception handler
    meanwhile ('Task exception was never retrieved', exceptions in callbacks): `errors.messages`. On exit it lets
    the loop settle and collects garbage first, which is when an unretrieved task exception is reported; inside
    the block, `await errors.update()` reads what was reported so far (a handler's exception is reported the
    moment it escapes). The sandbox's own report: it can only fail a check."""

    async def __aenter__(self) -> "LoopErrors":
        self.messages: list[str] = []
        self._before = len(await self._reported(0))
        return self

    async def __aexit__(self, *exc_info) -> None:
        await settle()
        await self.update(iterations=5, collect=True)

    async def update(self, iterations: int = 0, collect: bool = False) -> None:
        with contextlib.suppress(SandboxEnded):
            self.messages = (await self._reported(iterations, collect))[self._before :]

    @staticmethod
    async def _reported(iterations: int, collect: bool = False) -> list[str]:
        answer = await _settle_both(iterations, collect)
        return [text for text in answer.get("loop_errors", []) if isinstance(text, str)]

    def expect_none(self, mistake: str | None = None) -> None:
        expect(
            not self.messages,
            saw="the event loop reported: " + "; ".join(counted(self.messages)),
            expected="no task whose exception nobody retrieved",
            mistake=mistake
            or "tasks were started and some were never awaited after one failed: await every task "
            "(gather does), or cancel the rest",
        )


# The mistake behind an unretrieved failure in code that races tasks with asyncio.wait.
SEVERAL_DONE_AT_ONCE = (
    "asyncio.wait can report several tasks done at once, and the code returned on a success without "
    "looking at the failed ones: take each failed task's exception (task.exception()), or cancel every task, "
    "done or not, before returning (cancelling a done task marks its exception as seen)"
)
