"""The check harness shared by every kata suite: instrumented fakes, loop watchers, timing and messages.

Instruments for one kind of kata live in modules of their own: blocking (plain functions for worker threads,
CPU work in the loop's thread), processes (process pools), network (streams), cleanup (gated fakes), racing
(orders in turns of the sandbox's loop), scripted (simulated time), timeline (scenes of many callers on simulated
time), resources (connections, a store), tasks (rendezvous, tasks on the learner's loop, event loops left open),
threads (the sandbox's threads in /proc, calls from a learner's own loop), signals (signals the judge sends, handlers
the kernel sees), clients (real chat clients), programs (programs the judge writes), frames (a frame server), web (an
HTTP site).
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
