"""Instruments for katas about tasks and event loops: a learner's plain function called from threads (each with
no event loop of its own), calls that must all be running at once before they go on, how a fake's calls stood at
the very moment the learner's function ended, and a fake's exceptions let go of the learner's frames (so that a
task whose failure nobody retrieved is collected, and reported, while the check runs).
"""

import threading
from collections.abc import Callable
from typing import Any

import pytest

from . import checks, learner
from .checks import CheckOverrun, Outcome, _clear_tracebacks
from .fakes import FakeFetch
from .timing import real_perf_counter, real_sleep, seconds, units


def _ended(started: float, value: Any = None, error: BaseException | None = None) -> Outcome:
    outcome = Outcome(value=value, error=error, elapsed=real_perf_counter() - started)
    if error is not None:
        outcome.where = learner.location(error.__traceback__)
    return outcome


def _judged(outcome: Outcome) -> Outcome:
    if isinstance(outcome.error, (NotImplementedError, pytest.fail.Exception, KeyboardInterrupt)):
        raise outcome.error  # a stub (the kata is "not started"), pytest-timeout stopping the check, or Ctrl-C
    if outcome.error is not None:
        _clear_tracebacks(outcome.error, set())  # whatever the learner's frames hold can be collected
    return outcome


def call_sync(function: Callable, *args: Any) -> Outcome:
    """Call the learner's plain (not async) function here, in the caller's thread, and say how it ended."""
    started = real_perf_counter()
    try:
        outcome = _ended(started, value=function(*args))
    except BaseException as error:
        outcome = _ended(started, error=error)
    return _judged(outcome)


def calls_in_threads(*calls: tuple[Callable, tuple]) -> list[Outcome]:
    """Each `(function, args)` called in a thread of its own (a thread that has no event loop), all started at
    once; then wait for them all, within the check's budget, and say how each ended.

    Call it from a plain (not async) check. A call still running when the budget ends fails the check; its
    thread is a daemon, left behind."""
    outcomes: list[Outcome | None] = [None] * len(calls)

    def call(index: int, function: Callable, args: tuple) -> None:
        started = real_perf_counter()
        try:
            outcomes[index] = _ended(started, value=function(*args))
        except BaseException as error:
            outcomes[index] = _ended(started, error=error)

    started = real_perf_counter()
    threads = [
        threading.Thread(target=call, args=(index, function, args), name=f"harness:caller-{index}", daemon=True)
        for index, (function, args) in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, checks._budget_ends - real_perf_counter()))
    if any(thread.is_alive() for thread in threads):
        raise CheckOverrun(
            f"Saw: your function still running when this check's time ran out ({seconds(checks.CHECK_BUDGET)} over "
            f"all its calls; this call had run for {seconds(real_perf_counter() - started)}).\n"
            "Expected: every call to return as soon as the coroutine it was given is done: this check's "
            "coroutines take a fraction of that.\n"
            "Likely mistake: waiting for something that never finishes (a task left running that is awaited "
            "instead of cancelled, an event loop run forever), or the loop blocked."
        )
    return [_judged(outcome) for outcome in outcomes]


def call_in_thread(function: Callable, *args: Any) -> Outcome:
    """`function(*args)` called in a thread of its own that has no event loop (see `calls_in_threads`)."""
    return calls_in_threads((function, args))[0]


class Rendezvous(FakeFetch):
    """A FakeFetch whose calls first wait, up to `patience` seconds, until `count` calls have been running at
    once, and only then take their delay.

    Started together, the batch takes about `delay`. Run one after another, every call waits out its patience
    first, so a stopwatch tells the two apart by a wide margin even when `count` is 2 (where plain delays give
    at most 2x). `met` (exact: the peak counter) says whether they all ran at once.
    """

    def __init__(self, count: int, *, patience: float = units(5), **options: Any) -> None:
        super().__init__(**options)
        self.count = count
        self.patience = patience

    @property
    def met(self) -> bool:
        return self.peak >= self.count

    async def _wait(self, delay: float) -> None:
        deadline = real_perf_counter() + self.patience
        while not self.met and real_perf_counter() < deadline:
            await real_sleep(0.001)
        await super()._wait(delay)


def drop_tracebacks(fake: FakeFetch) -> None:
    """Drop the frames that the fake's exceptions picked up on their way through the learner's code.

    The check holds the fake, the fake holds its exceptions, and a traceback holds every frame it passed through,
    with their locals: a learner's list of tasks, say. Dropped, those tasks can be garbage collected while the
    check still runs, so that `LoopErrors` sees a failure nobody retrieved."""
    for error in fake.errors.values():
        _clear_tracebacks(error, set())
