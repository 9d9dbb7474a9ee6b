"""Process work: CPU-bound functions a kata sends to a process pool, and what the judge sees of where they ran.

A check makes a `ProcessLog(...)` before it calls the learner's function: it says how the calls behave (how long
each computes, a rendezvous of N calls, which items raise, how long a worker process takes to exit) and lends the
work functions, `log.square` and `log.parse_page`. In the sandbox each is a plain, picklable function (a sync
stand-in): a pool's worker process that calls it reaches the judge over a connection of its own, the judge learns
the calling process from that connection (SO_PEERCRED) and computes the call on its own loop and clock, so every
record here is the judge's own: the process a call ran in, when it started and ended, whether it met its
rendezvous. A call from the sandbox's own process (in the coroutine or in a thread) blocks its caller as
CPU-bound work holds the event loop. `alive()` says which of the worker processes still exist, and
`expect_free_during(watch, ...)` the event loop's longest stall (LoopWatch's pings) while the calls computed.
`PipelineFetch` is a fetch that ends only once some body has started parsing.
"""

import asyncio
import math
import os
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from .checks import expect
from .fakes import FakeFetch
from .sandbox import current_invocation
from .timing import STALL_BOUND, real_perf_counter, real_sleep, seconds, units, until
from .watch import LoopWatch


def parsed(body: bytes) -> str:
    """What parse_page makes of a body: for the checks' expectations."""
    return body.decode("utf-8").upper()


def page(url: str) -> bytes:
    """The body FakeFetch returns for a url in the pipeline checks."""
    return f"<page of {url}>".encode()


def _peak(calls: list["ProcessCall"]) -> int:
    events = []
    for call in calls:
        events.append((call.started, 1))
        events.append((call.ended if call.ended is not None else math.inf, -1))
    peak = running = 0
    for _, change in sorted(events):  # at a tie, an end (-1) comes before a start
        running += change
        peak = max(peak, running)
    return peak


@dataclass
class ProcessCall:
    """One call of a process-work function: its item (as repr), the process it ran in and whether that is the
    event loop's (the sandbox's own), when it started and ended (real_perf_counter, the judge's clock), how it
    ended, and whether it met its rendezvous."""

    item: str
    pid: int
    in_loop_process: bool
    started: float
    ended: float | None = None
    outcome: str = "running"  # then "returned", "raised" or "cancelled"
    met: bool | None = None


class ProcessWork:
    """A CPU-bound function the judge lends: `calling = "sync"`, so the sandbox's stand-in is a plain function,
    which blocks its caller until the judge has computed the call (`ProcessLog._compute`)."""

    calling = "sync"

    def __init__(self, log: "ProcessLog", name: str, result: Callable[[Any], Any]) -> None:
        self.log = log
        self.__name__ = name
        self.result = result

    def __call__(self, item: Any):
        return self.log._start(item, self.result)

    def __repr__(self) -> str:
        return f"<function {self.__name__}>"


class ProcessLog:
    """`log = ProcessLog(...)` lends `log.square` (returns n * n) and `log.parse_page` (returns the body decoded and
    upper-cased), and says how their calls behave:

    duration: seconds each call computes; `durations` overrides it per item.
    meet: each call first waits (computing) until `meet` calls are running at once, or until `meet_within` seconds
          after the first call started (calls one after another then pay it once, not once each).
    errors: item -> message: that call raises ValueError(message) once it has computed.
    linger: each worker process a call ran in takes this long to exit, once it is told to.
    last: the call for this item computes until `total - 1` other calls have started and ended (or `last_within`
          seconds after it started): it ends last, exactly, at no cost in time. A worker process sends each result
          back before it takes its next item, so the results of all but the last call of each other worker have
          reached the pool's owner before that one has even been answered.
    turn: a LoopWatch (the log made inside its block): each call first waits (computing) until the event loop has
          had a turn since the call started, or TURN_PATIENCE. A coroutine that awaits the pool lets every
          call end a ping or two after it starts; one that waits for the pool in a blocking way holds the loop, so
          the call it waits for cannot end before TURN_PATIENCE: the stall lasts that long at least, exactly,
          whatever the load, and correct code pays no computing time for it.

    Instruments: `calls` (every ProcessCall, in start order), split into `in_loop_process` (called in the event
    loop's own process: in the coroutine, or in a thread) and `in_workers`; `worker_pids`; `peak` and
    `worker_peak` (most calls running at once); `window` (first start to last end); `started` (an asyncio.Event
    set at the first call); `alive()` (the worker processes calls ran in that still exist).
    """

    def __init__(
        self,
        *,
        duration: float = 0.0,
        durations: Mapping[Hashable, float] | None = None,
        meet: int = 0,
        meet_within: float = units(5),
        errors: Mapping[Hashable, str] | None = None,
        linger: float = 0.0,
        last: Hashable | None = None,
        total: int = 0,
        last_within: float = units(3),
        turn: LoopWatch | None = None,
    ) -> None:
        self.duration = duration
        self.last = repr(last) if last is not None else None
        self.total = total
        self.last_within = last_within
        self.turn = turn
        self.durations = {repr(item): delay for item, delay in (durations or {}).items()}
        self.meet = meet
        self.meet_within = meet_within
        self.errors = {repr(item): message for item, message in (errors or {}).items()}
        self.linger = linger
        self.calls: list[ProcessCall] = []
        self.started = asyncio.Event()
        self._met = asyncio.Event()
        self.square = ProcessWork(self, "square", lambda n: n * n)
        self.parse_page = ProcessWork(self, "parse_page", parsed)

    def _start(self, item: Any, result: Callable[[Any], Any]):
        # Recorded in the step the judge learns of the call; its computing runs as a task of the judge's loop.
        invocation = current_invocation()
        # The sandbox that served the call, not the one of the log's making: a sandbox that ended is replaced.
        in_loop_process = invocation.pid == invocation.channel.sandbox.pid
        call = ProcessCall(repr(item), invocation.pid, in_loop_process, real_perf_counter())
        self.calls.append(call)
        self.started.set()
        if self.meet and sum(other.outcome == "running" for other in self.calls) >= self.meet:
            self._met.set()
        return self._compute(call, item, result, invocation)

    async def _compute(self, call: ProcessCall, item: Any, result: Callable[[Any], Any], invocation) -> Any:
        try:
            if self.meet:
                # A rendezvous: meeting proves they ran at the same time, whatever the machine's load.
                give_up = self.calls[0].started + self.meet_within - real_perf_counter()
                try:
                    await asyncio.wait_for(self._met.wait(), max(0.0, give_up))
                except TimeoutError:
                    pass
                call.met = self._met.is_set()
            if call.item == self.last:
                await until(lambda: self._others_ended(call), call.started + self.last_within - real_perf_counter())
            if self.turn is not None:
                await self.turn.until_turn(call.started)
            await real_sleep(self.durations.get(call.item, self.duration))
            if self.linger and not call.in_loop_process:
                # A pool shut down and waited for is gone when the learner's function returns; one left to wind
                # down by itself still has this process for `linger` seconds. The stand-in sets it up there.
                invocation.answer["linger"] = self.linger
            if call.item in self.errors:
                call.outcome = "raised"
                raise ValueError(self.errors[call.item])
            call.outcome = "returned"
            return result(item)
        finally:
            call.ended = real_perf_counter()
            if call.outcome == "running":
                call.outcome = "cancelled"

    def _others_ended(self, call: ProcessCall) -> bool:
        others = [other for other in self.calls if other is not call]
        return len(others) >= self.total - 1 and all(other.ended is not None for other in others)

    @property
    def in_loop_process(self) -> list[ProcessCall]:
        return [call for call in self.calls if call.in_loop_process]

    @property
    def in_workers(self) -> list[ProcessCall]:
        """The calls that ran in another process than the event loop's."""
        return [call for call in self.calls if not call.in_loop_process]

    @property
    def worker_pids(self) -> set[int]:
        return {call.pid for call in self.in_workers}

    @property
    def peak(self) -> int:
        """Most calls running at the same moment, wherever they ran."""
        return _peak(self.calls)

    @property
    def worker_peak(self) -> int:
        """Most calls running at the same moment in other processes than the event loop's."""
        return _peak(self.in_workers)

    @property
    def window(self) -> tuple[float, float] | None:
        """From the first call's start to the last call's end: while the work was computing."""
        calls = [call for call in self.calls if call.ended is not None]
        if not calls:
            return None
        return min(call.started for call in calls), max(call.ended for call in calls)

    def alive(self) -> list[int]:
        """The worker processes calls ran in that still exist: running, exiting, or exited and not yet waited for.
        A pool shut down with wait=True has waited for every one of them."""
        found = []
        for pid in sorted(self.worker_pids):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                continue
            except PermissionError:  # exists, owned by someone else: a pid reused, not ours
                continue
            found.append(pid)
        return found

    def expect_in_other_processes(self, what: str = "fn") -> None:
        calls = self.calls
        inside = self.in_loop_process
        expect(
            bool(calls) and not inside,
            saw=f"{len(inside)} of the {len(calls)} call(s) of {what} ran in the event loop's own process "
            f"(pid {inside[0].pid})"
            if inside
            else f"no call of {what} at all",
            expected=f"every call of {what} in a worker process of a process pool, whose pid is not the event loop's",
            mistake="the work ran in the event loop's process: called directly in the coroutine, or in a thread "
            "(asyncio.to_thread, run_in_executor(None, ...) or a ThreadPoolExecutor), where CPU-bound Python "
            "code still holds the GIL: a ProcessPoolExecutor is what runs it beside the loop",
        )

    def expect_at_most_workers(self, workers: int, inputs: int, *, noun: str, what: str = "fn") -> None:
        """`what` ran in at most `workers` processes, at most `workers` at a time, for `inputs` inputs."""
        pids, peak = self.worker_pids, self.worker_peak
        expect(
            len(pids) <= workers and peak <= workers,
            saw=f"with workers={workers} and {inputs} {noun}s, {what} ran in {len(pids)} different processes, "
            f"up to {peak} at a time",
            expected=f"at most {workers} processes: the pool has exactly `workers` processes",
            mistake="a pool made without max_workers=workers (by default it has one process per CPU), "
            f"or a new pool for every {noun}",
        )

    def expect_none_alive(self, after: str, mistake: str | None = None) -> None:
        alive = self.alive()
        expect(
            not alive,
            saw=f"{len(alive)} of the {len(self.worker_pids)} worker process(es) still there right after {after}",
            expected="the pool shut down before the function returns or raises, its processes waited for: "
            "no child process left",
            mistake=mistake
            or "the pool is never shut down, or shut down without waiting (shutdown(wait=False)): "
            "use `with ProcessPoolExecutor(...) as pool:` around the work, or call pool.shutdown() in a finally block",
        )


def expect_free_during(watch: LoopWatch, log: ProcessLog, what: str) -> None:
    """The event loop's longest stall (the judge's pings, `async with LoopWatch() as watch:` around the learner's
    call) while `log`'s calls computed, from the first one's start to the last one's end: not while the pool
    started or shut down, which a correct solution may do in the event loop's thread (`with ProcessPoolExecutor()
    as pool:` waits there for its processes to exit)."""
    window = log.window
    expect(window is not None, saw=f"no call of {what} finished", expected=f"every call of {what} to finish")
    start, end = window
    stall = watch.longest_stall_within(start, end)
    if log.in_loop_process:
        mistake = (
            f"{what} ran in the event loop's own process, called in the coroutine or in a thread: CPU-bound "
            "Python code holds the GIL, which the event loop needs too. Run it in a ProcessPoolExecutor"
        )
    else:
        mistake = (
            "the coroutine waited for the pool in a blocking way: pool.map(...), future.result() or "
            "concurrent.futures.wait in a coroutine block the event loop (and so does starting a new pool "
            "while others compute). Await asyncio futures instead: loop.run_in_executor(pool, fn, item), "
            "gathered"
        )
    expect(
        stall <= STALL_BOUND,
        saw=f"the event loop was blocked for {seconds(stall)} at a stretch while {what} computed "
        f"({seconds(end - start)} in all)",
        expected=f"no stall longer than {seconds(STALL_BOUND)}: other tasks keep running while the pool works",
        mistake=mistake,
    )


class UntilParsed:
    """A FakeFetch delay: the fetch waits until some body has started parsing in the pool (or `within` seconds)."""

    def __init__(self, within: float) -> None:
        self.within = within


class AfterParsed:
    """A FakeFetch delay: the fetch ends once `body` has been parsed (its parse_page call ended), and `then`
    seconds more; or `within` after the fake's first call started, if that parse never ends (bodies parsed only
    once every fetch is done)."""

    def __init__(self, body: bytes, within: float, then: float = 0.0) -> None:
        self.body = repr(body)
        self.within = within
        self.then = then


class PipelineFetch(FakeFetch):
    """FakeFetch whose delay may be `UntilParsed(within)`: that fetch ends only once a parse_page call of `log`
    has started, so a pipeline that parses each body as it arrives lets it finish, and one that waits for every
    fetch before parsing anything makes it wait `within` and then see no parse started. `saw_parse` records which:
    exact, whatever the clock does. A delay may also be `AfterParsed(body, within)`: chained url after url, the
    parses end in the order the chain sets, whatever the clock does and at no cost in time."""

    ticks_counted_there = False  # its own _wait decides when a call ends

    def __init__(self, log: ProcessLog, **options) -> None:
        super().__init__(**options)
        self.log = log
        self.saw_parse: bool | None = None

    async def _wait(self, delay) -> None:
        if isinstance(delay, AfterParsed):
            deadline = self.calls[0].started + delay.within
            await until(lambda: self._parsed(delay.body), deadline - real_perf_counter())
            await real_sleep(delay.then)
            return
        if not isinstance(delay, UntilParsed):
            await super()._wait(delay)
            return
        try:
            await asyncio.wait_for(self.log.started.wait(), delay.within)
        except TimeoutError:
            pass
        self.saw_parse = self.log.started.is_set()

    def _parsed(self, body: str) -> bool:
        return any(call.item == body and call.ended is not None for call in self.log.calls)
