"""The check harness shared by every kata suite: instrumented fakes, loop watchers, timing and messages."""

from .checks import KataCall, LoopErrors, Outcome, expect, expect_no_leaked_tasks, run, settle, short
from .fakes import FakeCall, FakeFetch
from .timing import STALL_BOUND, Stopwatch, seconds, units
from .watch import LoopWatch

__all__ = [
    "FakeCall",
    "FakeFetch",
    "KataCall",
    "LoopErrors",
    "LoopWatch",
    "Outcome",
    "STALL_BOUND",
    "Stopwatch",
    "expect",
    "expect_no_leaked_tasks",
    "run",
    "seconds",
    "settle",
    "short",
    "units",
]
