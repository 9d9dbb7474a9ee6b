"""Instrumented synchronous fakes: a blocking function meant for worker threads, and a CPU-bound work function
meant for the event loop's own thread.

Both are plain functions in the sandbox: a call blocks the calling thread there until the judge answers, while
the judge serves it on its own loop (it waits the call's time with asyncio.sleep, so the judge's loop stays free).
The judge sees each call start and end, and whether it was made in the sandbox loop's own thread, holding that
loop (`current_invocation().blocking`): every instrument below is measured where learner code cannot reach.

Create them inside the test (the loop running).
"""

import asyncio
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from .checks import expect, leaked_tasks
from .fakes import default_result
from .sandbox import current_invocation, current_sandbox
from .timing import real_perf_counter, real_sleep, seconds, units
from .watch import LoopWatch


@dataclass
class SyncCall:
    """One call of a synchronous fake: its argument, whether it held the event loop's thread (made there), when it
    started and ended, how it ended."""

    key: Any
    blocking: bool
    started: float
    ended: float | None = None
    outcome: str = "running"  # then "returned" or "raised"


class FakeBlocking:
    """`fake(path)`: an ordinary blocking function. Blocks its thread for `delay` seconds, then returns
    `results(path)` or raises `errors[path]`.

    It blocks without time.sleep (the sandbox's stand-in waits for the judge's answer): called in the event loop's
    thread by mistake, it stalls the loop (the heartbeat sees it) without passing for a time.sleep in the
    learner's code.

    With `turn` (a LoopWatch, the fake made inside its block), each call first waits until the event loop has had
    a turn since the call started, or TURN_PATIENCE, and only then takes its delay: code that waits for a call
    in a blocking way (future.result() in a coroutine) holds the loop for TURN_PATIENCE at least, exactly,
    whatever the load; code that awaits it lets it end a ping or two after it starts.

    Instruments, judge-side: `calls` (every SyncCall, in start order), `peak` (most calls running at once, exact
    whatever the clock does), `in_loop_thread` (calls made in the event loop's own thread).
    """

    calling = "sync"  # a plain function in the sandbox: the calling thread blocks until the judge answers

    def __init__(
        self,
        *,
        delay: float = units(1),
        delays: Mapping[Hashable, float] | None = None,
        results: Callable[[Hashable], Any] = default_result,
        errors: Mapping[Hashable, BaseException] | None = None,
        turn: LoopWatch | None = None,
    ) -> None:
        self.delay = delay
        self.delays = dict(delays or {})
        self.results = results
        self.errors = dict(errors or {})
        self.turn = turn
        self.calls: list[SyncCall] = []
        self.in_flight = 0
        self.peak = 0

    def __call__(self, key: Hashable):
        # Recorded in the step the judge learns of the call; the wait runs as a task of the judge's loop.
        call = SyncCall(key, current_invocation().blocking, real_perf_counter())
        self.calls.append(call)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        return self._serve(call, key)

    async def _serve(self, call: SyncCall, key: Hashable) -> Any:
        try:
            if self.turn is not None:
                await self.turn.until_turn(call.started)
            delay = self.delays.get(key, self.delay)
            if delay > 0:
                await real_sleep(delay)
            if key in self.errors:
                call.outcome = "raised"
                raise self.errors[key]
            call.outcome = "returned"
            return self.results(key)
        finally:
            self.in_flight -= 1
            call.ended = real_perf_counter()

    @property
    def keys(self) -> list:
        return [call.key for call in self.calls]

    @property
    def in_loop_thread(self) -> list[SyncCall]:
        return [call for call in self.calls if call.blocking]

    @property
    def running(self) -> list[SyncCall]:
        return [call for call in self.calls if call.ended is None]

    async def finished(self, within: float = units(10)) -> None:
        """Wait until no call is still running in some thread (a failure propagates while its siblings run on:
        a thread cannot be stopped), then until no task of the sandbox's is left waiting for one (the probe lets
        its loop settle and collects garbage first): what comes next sees every call's end, and the sandbox's
        loop has taken every outcome."""
        deadline = real_perf_counter() + within
        while self.running and real_perf_counter() < deadline:
            await real_sleep(0.002)
        while await leaked_tasks() and real_perf_counter() < deadline:
            await real_sleep(0.002)

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
    """One call of FakeWork: its item, whether it was made in the event loop's own thread, the process it came
    from, the loop turns seen before it started, when it started and ended."""

    key: Any
    blocking: bool
    pid: int
    turns: int
    started: float
    ended: float | None = None


class FakeWork:
    """`work(item)`: a synchronous CPU-bound function. Holds its calling thread for `duration` seconds, then
    returns `results(item)` or raises `errors[item]`.

    Instruments, judge-side: `calls` (every WorkCall in call order), `in_other_threads` (calls made outside the
    event loop's own thread: in a thread or another process), `busy` (seconds spent inside calls: what a plain
    loop over the same items takes, but for a round trip to the judge per call), `turns` (loop turns seen so far),
    `longest_run` (most calls made in the loop's thread one after another without the event loop getting a turn
    in between: exact, whatever the clock and the load do) and `longest_stretch` (the seconds such a run of calls
    lasted: information for a message, since load stretches it).

    A turn is seen through pings: the sandbox answers one only when its loop gets a turn, and a call made in the
    loop's thread travels on the same ordered channel as the answers. From its first such call on, the fake keeps
    a ping waiting in the sandbox (sent before it answers a call), so every turn after a call answers one, and a
    pong arriving between two calls proves the loop had a turn between them.
    """

    calling = "sync"  # a plain function in the sandbox: the calling thread blocks until the judge answers

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
        self.turns = 0
        self.longest_run = 0
        self.longest_stretch = 0.0
        self._sandbox = current_sandbox()
        self._loop = asyncio.get_running_loop()
        self._run = 0
        self._run_started = 0.0
        self._ping: asyncio.Future | None = None
        self._next_call: asyncio.Future | None = None  # set when the next call starts

    def __call__(self, key: Hashable):
        invocation = current_invocation()
        call = WorkCall(key, invocation.blocking, invocation.pid, self.turns, real_perf_counter())
        self.calls.append(call)
        if call.blocking:
            if self._ping is None:
                self._send_ping()
            if self._run == 0:
                self._run_started = call.started
            self._run += 1
            self.longest_run = max(self.longest_run, self._run)
        if self._next_call is not None and not self._next_call.done():
            self._next_call.set_result(None)
        return self._serve(call, key)

    async def _serve(self, call: WorkCall, key: Hashable) -> Any:
        try:
            if self.duration > 0:
                await real_sleep(self.duration)
            if key in self.errors:
                raise self.errors[key]
            return self.results(key)
        finally:
            call.ended = real_perf_counter()
            if call.blocking:
                self.longest_stretch = max(self.longest_stretch, call.ended - self._run_started)

    def _send_ping(self) -> None:
        self._ping = self._sandbox.ask({"op": "ping"})
        self._ping.add_done_callback(lambda ping: ping.cancelled() or ping.exception())
        if self._listen not in self._sandbox.listeners:
            self._sandbox.listeners.append(self._listen)

    def _listen(self, message: dict) -> None:
        """Every message from the sandbox, in the order it came, in the step it is handled (before the next
        call's record): any pong is a turn of the loop."""
        if asyncio.get_running_loop() is not self._loop:  # a later check's: this fake is done
            self._sandbox.listeners.remove(self._listen)
            return
        if message.get("op") != "pong":
            return
        self.turns += 1
        self._run = 0
        if self._ping is not None and self._ping.done():  # its own ping answered: the next call sends another
            self._ping = None
            self._sandbox.listeners.remove(self._listen)

    async def until_running(self, call, within: float = units(10)) -> None:
        """Return while a call holds its thread (the judge has not answered it yet): the one under way, else the
        next to start; or once the learner's function, `call` (a KataCall), has ended."""
        if self.calls and self.calls[-1].ended is None:
            return
        self._next_call = self._loop.create_future()
        # Set in the step the call starts; its body waits at least `duration` after that, and this resumes
        # two loop iterations later, ahead of any timer: the call is still under way.
        await asyncio.wait([self._next_call, call.task], timeout=within, return_when=asyncio.FIRST_COMPLETED)

    @property
    def keys(self) -> list:
        return [call.key for call in self.calls]

    @property
    def in_other_threads(self) -> list[WorkCall]:
        return [call for call in self.calls if not call.blocking]

    @property
    def in_other_processes(self) -> list[WorkCall]:
        return [call for call in self.calls if call.pid != self._sandbox.pid]

    @property
    def busy(self) -> float:
        return sum(call.ended - call.started for call in self.calls if call.ended is not None)
