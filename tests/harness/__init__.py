"""The check harness shared by every kata suite: instrumented fakes, loop watchers, timing and messages.

Instruments for one kind of kata live in modules of their own: blocking (threads and cooperative work),
processes, network (streams), cleanup (gated fakes), racing (loop iterations), scripted (simulated time),
timeline (scenes of many callers on simulated time), resources (connections, a store), tasks (plain functions and
threads).
"""

from .checks import KataCall, LoopErrors, Outcome, expect, expect_no_leaked_tasks, leaves, run, same, settle, short
from .fakes import AtEnd, FakeCall, FakeFetch
from .timing import STALL_BOUND, Stopwatch, seconds, units
from .watch import LoopWatch

__all__ = [
    "AtEnd",
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
    "leaves",
    "run",
    "same",
    "seconds",
    "settle",
    "short",
    "units",
]
