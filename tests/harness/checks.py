"""Running the learner's function and judging what happened, in messages a learner can act on.

Every failed check says what it saw, what it expected and the likely mistake.
"""

import asyncio
import gc
import math
import reprlib
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

import pytest

from . import learner
from .timing import real_perf_counter, real_sleep, seconds, units

_short = reprlib.Repr()
_short.maxstring = 60
_short.maxother = 60


def short(value: Any) -> str:
    """A value as a learner would want to read it in a message: repr, cut short."""
    return _short.repr(value)


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


def describe_error(error: BaseException) -> str:
    return f"{type(error).__name__}({short(str(error))[1:-1]})" if str(error) else type(error).__name__


def _clear_tracebacks(error: BaseException | None, seen: set[int]) -> None:
    """Drop the frames an exception holds, so the learner's tasks can be garbage collected (and any task
    exception they never retrieved gets reported) while the test still holds the exception object."""
    if error is None or id(error) in seen:
        return
    seen.add(id(error))
    error.__traceback__ = None
    _clear_tracebacks(error.__cause__, seen)
    _clear_tracebacks(error.__context__, seen)
    for inner in getattr(error, "exceptions", ()):
        _clear_tracebacks(inner, seen)


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
    """The learner's coroutine running in a task of its own, so a check can cancel it and see how it ends
    without ever catching anything in the test's own task."""

    def __init__(self, awaitable: Awaitable) -> None:
        self.started = real_perf_counter()
        self.task = asyncio.ensure_future(awaitable)

    def cancel(self) -> None:
        self.task.cancel()

    async def until_called(self, fake, count: int = 1, within: float = units(10)) -> None:
        """Wait until the learner's code has started `count` calls of `fake`, or has already ended (the check
        then sees how it ended)."""
        deadline = real_perf_counter() + within
        while len(fake.calls) < count and not self.task.done():
            expect(
                real_perf_counter() < deadline,
                saw=f"{len(fake.calls)} call(s) of the function your code was given, after {seconds(within)}",
                expected=f"at least {count}",
                mistake="the function it was given is never called, or only after a long wait",
            )
            await real_sleep(0.001)

    async def outcome(self) -> Outcome:
        done, _ = await asyncio.wait([self.task], timeout=max(0.0, _budget_ends - real_perf_counter()))
        if not done:
            self.task.cancel()
            await asyncio.wait([self.task], timeout=units(5))
            raise CheckOverrun(
                f"Saw: your function still running when this check's time ran out ({seconds(CHECK_BUDGET)} over "
                f"all its calls; this call had run for {seconds(real_perf_counter() - self.started)}).\n"
                "Expected: every call to finish as soon as its work is done: this check's fakes answer within "
                "a fraction of that.\n"
                "Likely mistake: waiting for something that never happens (a task never finished, a future never "
                "set), or sitting out a whole delay or timeout when the result is already there."
            )
        outcome = Outcome(elapsed=real_perf_counter() - self.started)
        if self.task.cancelled():
            outcome.cancelled = True
        elif (error := self.task.exception()) is not None:
            if isinstance(error, (NotImplementedError, pytest.fail.Exception)):
                raise error  # a stub (the kata is "not started"), or pytest-timeout stopping the check
            outcome.error = error
            outcome.where = learner.location(error.__traceback__)
            _clear_tracebacks(error, set())
        else:
            outcome.value = self.task.result()
        return outcome


async def run(awaitable: Awaitable) -> Outcome:
    """Await the learner's coroutine to its end and say how it ended."""
    return await KataCall(awaitable).outcome()


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
    """Let the loop run a few iterations: tasks that were cancelled (and not awaited) get to finish."""
    for _ in range(iterations):
        await real_sleep(0)


def leaked_tasks() -> list[asyncio.Task]:
    """Tasks still running besides the test and the harness's own instruments."""
    current = asyncio.current_task()
    return [
        task
        for task in asyncio.all_tasks()
        if task is not current and not task.done() and not task.get_name().startswith("harness:")
    ]


async def expect_no_leaked_tasks(after: str) -> None:
    await settle()
    leaked = leaked_tasks()
    expect(
        not leaked,
        saw=f"{len(leaked)} task(s) still running after {after}",
        expected="every task the function started to have finished or been cancelled",
        mistake="a task created with create_task (or wrapped by wait/shield) was left running: cancel it and await it",
    )


@dataclass
class LoopErrors:
    """`async with LoopErrors() as errors:` records what the event loop reports to its exception handler
    ('Task exception was never retrieved', exceptions in callbacks); on exit it collects garbage first,
    which is when an unretrieved task exception is reported."""

    messages: list[str] = field(default_factory=list)

    async def __aenter__(self) -> "LoopErrors":
        self._loop = asyncio.get_running_loop()
        self._previous = self._loop.get_exception_handler()
        self._loop.set_exception_handler(self._record)
        return self

    def _record(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        error = context.get("exception")
        detail = f": {describe_error(error)}" if error is not None else ""
        self.messages.append(f"{context.get('message', 'error')}{detail}")

    async def __aexit__(self, *exc_info) -> None:
        await settle()
        gc.collect()
        self._loop.set_exception_handler(self._previous)

    def expect_none(self, mistake: str | None = None) -> None:
        expect(
            not self.messages,
            saw="the event loop reported: " + "; ".join(self.messages),
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
