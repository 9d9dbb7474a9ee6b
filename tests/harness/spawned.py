"""Instruments for katas that take coroutines to run in the background: a coroutine made in the sandbox from a
judge's fake, an error sink the learner's code reports to, and a job that fails while it is being cancelled.

`job(fake, key)` crosses the wire as a call made in the sandbox (grader.wire.Call): the learner's code receives a
coroutine of `fake(key)`'s stand-in, held by nothing else there, exactly as if it had called `fake(key)` itself.
"""

import asyncio
from dataclasses import dataclass
from typing import Any

from grader.wire import Call

from .cleanup import GatedFetch
from .fakes import FakeFetch
from .sandbox import current_invocation
from .timing import real_perf_counter


def job(fake: FakeFetch, key: Any) -> Call:
    """The coroutine `fake(key)`, made in the sandbox, not yet awaited."""
    return Call(fake, key)


@dataclass
class Report:
    """One call of an ErrorLog: the exception given, when, and whether in the event loop's thread."""

    error: Any
    at: float
    in_loop_thread: bool


class ErrorLog:
    """`on_error(exception)`: a plain function that records what it is given (`reports`, `errors`)."""

    calling = "sync"  # a plain function in the sandbox: the calling thread blocks until the judge answers
    __name__ = "on_error"

    def __init__(self) -> None:
        self.reports: list[Report] = []

    def __call__(self, error: Any = None, *more: Any) -> None:
        invocation = current_invocation()
        self.reports.append(Report(error, real_perf_counter(), bool(invocation and invocation.blocking)))

    @property
    def errors(self) -> list:
        return [report.error for report in self.reports]

    def count(self, error: BaseException) -> int:
        """How many times that very exception was reported."""
        return sum(reported is error for reported in self.errors)


class FailsWhenCancelled(GatedFetch):
    """A GatedFetch whose calls, when cancelled, raise `error` (a failing cleanup) instead of CancelledError."""

    def __init__(self, error: BaseException, **options: Any) -> None:
        super().__init__(**options)
        self.error = error

    async def _wait(self, delay: float) -> None:
        try:
            await super()._wait(delay)
        except asyncio.CancelledError:
            self.calls[-1].cancel_arrived = real_perf_counter()
            self.calls[-1].outcome = "raised"
            raise self.error from None
