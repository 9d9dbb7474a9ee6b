"""Instrumented synchronous fakes: a blocking function meant for worker threads, and a CPU-bound work function
meant for the event loop's own thread. Both record the thread each call ran in.

Create them inside the test (the loop running): they note the loop and its thread then.
"""

import asyncio
import os
import sys
import threading
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from .checks import expect, leaked_tasks, settle
from .fakes import default_result
from .timing import real_perf_counter, real_sleep, seconds, units

_POOL_THREAD_FILE = os.path.join("concurrent", "futures", "thread.py")


@dataclass
class SyncCall:
    """One call of a synchronous fake: its argument, the thread it ran in, when it started and ended, how it ended."""

    key: Any
    thread: int
    started: float
    ended: float | None = None
    outcome: str = "running"  # then "returned" or "raised"


class FakeBlocking:
    """`fake(path)`: an ordinary blocking function. Blocks its thread for `delay` seconds, then returns
    `results(path)` or raises `errors[path]`.

    It blocks on a threading.Event, not with time.sleep: called in the event loop's thread by mistake, it stalls
    the loop (the heartbeat sees it) without passing for a time.sleep in the learner's code.

    Instruments, thread-safe: `calls` (every SyncCall, in start order, with its thread), `peak` (most calls
    running at once, exact whatever the clock does), `in_loop_thread` (calls made in the event loop's thread).
    """

    def __init__(
        self,
        *,
        delay: float = units(1),
        delays: Mapping[Hashable, float] | None = None,
        results: Callable[[Hashable], Any] = default_result,
        errors: Mapping[Hashable, BaseException] | None = None,
    ) -> None:
        self.delay = delay
        self.delays = dict(delays or {})
        self.results = results
        self.errors = dict(errors or {})
        self.calls: list[SyncCall] = []
        self.in_flight = 0
        self.peak = 0
        self.loop_thread = threading.get_ident()
        self._lock = threading.Lock()
        self._never = threading.Event()

    def __call__(self, key: Hashable) -> Any:
        call = SyncCall(key, threading.get_ident(), real_perf_counter())
        with self._lock:
            self.calls.append(call)
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            delay = self.delays.get(key, self.delay)
            if delay > 0:
                self._never.wait(delay)
            if self.errors and key in self.errors:
                call.outcome = "raised"
                raise self.errors[key]
            call.outcome = "returned"
            return self.results(key)
        finally:
            with self._lock:
                self.in_flight -= 1
            call.ended = real_perf_counter()

    @property
    def keys(self) -> list:
        return [call.key for call in self.calls]

    @property
    def in_loop_thread(self) -> list[SyncCall]:
        return [call for call in self.calls if call.thread == self.loop_thread]

    @property
    def running(self) -> list[SyncCall]:
        return [call for call in self.calls if call.ended is None]

    async def finished(self, within: float = units(10)) -> None:
        """Wait until no call is still running in some thread (a failure propagates while its siblings run on:
        a thread cannot be stopped), until each pool thread has handed its call's outcome to the loop (a moment
        after the call returns) and no task is left waiting for one: what comes next sees every call's end."""
        deadline = real_perf_counter() + within
        while (self.running or self._handing_over() or leaked_tasks()) and real_perf_counter() < deadline:
            await real_sleep(0.002)
        await settle()

    def _handing_over(self) -> bool:
        """Is a pool thread that made a call still inside the work item that ran it? That work item sets the
        future (and so schedules the loop's callback) after the call returns: once out of it, the loop has it."""
        frames = sys._current_frames()
        for thread in {call.thread for call in self.calls} - {self.loop_thread}:
            frame = frames.get(thread)
            while frame is not None:
                code = frame.f_code
                if code.co_name == "run" and code.co_filename.endswith(_POOL_THREAD_FILE):
                    return True
                frame = frame.f_back
        return False

    def expect_all_at_once(self, count: int, elapsed: float, bound: float) -> None:
        """The peak counter is exact; the wall-clock bound backs it (all started at once, then the loop blocked)."""
        at_once = self.peak >= count
        if at_once:
            mistake = (
                "they all started, but their results came late: was the event loop blocked while waiting "
                "for them (future.result(), concurrent.futures.wait or time.sleep in a coroutine)?"
            )
        elif self.peak <= 1:
            mistake = (
                "they ran one after another: each call needs a worker thread of its own, started before "
                "any is awaited (asyncio.to_thread for every path, awaited together with asyncio.gather)"
            )
        else:
            mistake = (
                f"only {self.peak} ran at a time: a thread pool with fewer workers than paths? Start one "
                "asyncio.to_thread call per path, all before awaiting any"
            )
        expect(
            at_once and elapsed <= bound,
            saw=f"{count} calls of {seconds(self.delay)} each took {seconds(elapsed)} in all, "
            f"and at most {self.peak} ran at a time",
            expected=f"all {count} running at once in worker threads, done in under {seconds(bound)}",
            mistake=mistake,
        )


@dataclass
class WorkCall:
    """One call of FakeWork: its item, the thread it ran in, when it started and ended."""

    key: Any
    thread: int
    started: float
    ended: float | None = None


class FakeWork:
    """`work(item)`: a synchronous CPU-bound function. Computes for `duration` seconds (it spins on the clock,
    holding the CPU and the GIL as real computation does, and lasts as long whatever the machine's speed), then
    returns `results(item)` or raises `errors[item]`.

    Instruments: `calls` (every WorkCall in call order, with its thread), `in_other_threads` (calls made outside
    the event loop's thread), `busy` (seconds spent inside calls: what a plain loop over the same items takes),
    `longest_run` (most calls made in the loop's thread one after another without the event loop getting a turn
    in between: exact, whatever the clock and the load do) and `longest_stretch` (the seconds such a run of calls
    lasted: information for a message, since load stretches it).

    A turn is seen through a callback the fake schedules with call_soon: it runs only when the code that calls
    the fake gives control back to the event loop (any await that suspends), and it then resets the run.
    """

    def __init__(
        self,
        *,
        duration: float = units(0.01),
        results: Callable[[Hashable], Any] = default_result,
        errors: Mapping[Hashable, BaseException] | None = None,
    ) -> None:
        self.duration = duration
        self.results = results
        self.errors = dict(errors or {})
        self.calls: list[WorkCall] = []
        self.longest_run = 0
        self.longest_stretch = 0.0
        self.loop = asyncio.get_running_loop()
        self.loop_thread = threading.get_ident()
        self._run = 0
        self._run_started = 0.0
        self._turn_pending = False
        self._lock = threading.Lock()

    def __call__(self, key: Hashable) -> Any:
        call = WorkCall(key, threading.get_ident(), real_perf_counter())
        with self._lock:
            self.calls.append(call)
        if call.thread == self.loop_thread:
            if not self._turn_pending:
                self._turn_pending = True
                self.loop.call_soon(self._turn)
            if self._run == 0:
                self._run_started = call.started
            self._run += 1
            self.longest_run = max(self.longest_run, self._run)
        try:
            end = call.started + self.duration
            while real_perf_counter() < end:
                pass
            if self.errors and key in self.errors:
                raise self.errors[key]
            return self.results(key)
        finally:
            call.ended = real_perf_counter()
            if call.thread == self.loop_thread:
                self.longest_stretch = max(self.longest_stretch, call.ended - self._run_started)

    def _turn(self) -> None:
        self._turn_pending = False
        self._run = 0

    @property
    def keys(self) -> list:
        return [call.key for call in self.calls]

    @property
    def in_other_threads(self) -> list[WorkCall]:
        return [call for call in self.calls if call.thread != self.loop_thread]

    @property
    def busy(self) -> float:
        return sum(call.ended - call.started for call in self.calls if call.ended is not None)
