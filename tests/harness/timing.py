"""Time for the suites: one unit drives every duration, and the real clocks are kept safe from learner code.

`KATA_TIME_SCALE=3` stretches every duration (and the bounds computed from them) on a slow machine.
"""

import asyncio
import os
import time
from collections.abc import Callable

# Saved before any learner module is imported: a learner who replaces asyncio.sleep or a clock
# changes nothing the instruments rely on.
real_sleep = asyncio.sleep
real_perf_counter = time.perf_counter
real_time_sleep = time.sleep

TIME_SCALE = float(os.environ.get("KATA_TIME_SCALE", "1"))
UNIT = 0.1 * TIME_SCALE

# Longest stall of the event loop that a correct solution can show on a loaded, throttled 2-core
# machine is about 55 ms; blocking that a check must see lasts 250 ms or more.
STALL_BOUND = 0.1 * TIME_SCALE


def units(count: float) -> float:
    """`count` time units in seconds."""
    return count * UNIT


def seconds(duration: float) -> str:
    """A duration in a learner's words: '0.30 s'."""
    return f"{duration:.2f} s"


class Stopwatch:
    """`with Stopwatch() as watch: ...`, then `watch.elapsed` in seconds (also while running)."""

    def __enter__(self) -> "Stopwatch":
        self.started = real_perf_counter()
        self.stopped: float | None = None
        return self

    def __exit__(self, *exc_info) -> None:
        self.stopped = real_perf_counter()

    @property
    def elapsed(self) -> float:
        end = self.stopped if self.stopped is not None else real_perf_counter()
        return end - self.started


async def until(condition: Callable[[], bool], within: float) -> bool:
    """Wait, on the real clock, until `condition()` holds or `within` has passed; whether it holds. What it waits
    for is decided elsewhere (a fake's record, a call's end): this only bounds how long a check looks."""
    deadline = real_perf_counter() + within
    while not condition() and real_perf_counter() < deadline:
        await real_sleep(0.001)
    return condition()
