"""Process work: CPU-bound functions a kata sends to a process pool, and what they tell about where they ran.

`square` and `parse_page` are module-level functions, so a pool pickles them by reference under any start method
(fork, the Linux default up to Python 3.13; forkserver, the default from 3.14; spawn): a child process imports
this module through PYTHONPATH, which the grader sets to tests/. Each call computes for as long as the check says,
whatever the machine's speed (in the test's own process it spins on the clock, holding the GIL as real computation
does; in a worker process it sleeps: see `_busy`), and records in a folder shared with every child, through the
environment: the process it ran in, and when it started and ended on time.monotonic, a clock that is system-wide
on Linux.

A check makes a `ProcessLog(...)` before it calls the learner's function: that starts a new run (records of earlier
runs are ignored) and says how the calls of this run behave: how long each computes, a rendezvous of N calls,
which items raise, how long a process takes to exit. Then the log reads back every call (`calls`, the ones that
ran in the test's own process, `worker_pids`, `peak`, `window`) and which of the processes they ran in still
exist (`alive()`). `Heartbeat` measures the event loop's longest stall while the calls computed, and
`PipelineFetch` a fetch that ends only once some body has started parsing.
"""

import asyncio
import atexit
import itertools
import json
import math
import multiprocessing
import multiprocessing.util
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .checks import expect
from .fakes import FakeFetch
from .timing import STALL_BOUND, real_sleep, real_time_sleep, seconds, units

# time.monotonic is what every process here reads: on Linux it is CLOCK_MONOTONIC, one clock for the whole system.
real_monotonic = time.monotonic

_FOLDER = "KATA_PROCESS_LOG"
_made: str | None = None


def _make_folder() -> None:
    """In the test process, before it starts any process: one folder for the session, handed to every child
    (fork, spawn or forkserver) through the environment. A pool's own processes import this module too (to
    unpickle a function), never make a ProcessLog, and only read the folder's name."""
    global _made
    if _made is None:
        _made = tempfile.mkdtemp(prefix="kata-processes-")
        os.environ[_FOLDER] = _made
        atexit.register(shutil.rmtree, _made, ignore_errors=True)


if "harness.plugin" in sys.modules:
    # The suite's own process (the plugin runs nowhere else), importing its suite: before the learner's module is
    # imported and before any process is started, so that even a forkserver started early inherits the folder.
    _make_folder()


def _folder() -> Path:
    return Path(os.environ[_FOLDER])


# A forkserver (the default start method from Python 3.14) forks every worker from one server process: importing
# this module there once, rather than in each worker (with pytest, which the harness imports), saves each pool
# a few hundred milliseconds.
multiprocessing.set_forkserver_preload([__name__])


# ---------------------------------------------------------------------------------------------------------------
# The child's side: what every call does and records.

_sequence = itertools.count(1)
_lingering: set[str] = set()  # runs for which this process already set its slow exit


def _config() -> dict:
    return json.loads((_folder() / "run.json").read_text(encoding="utf-8"))


def _write(record: dict) -> None:
    """One line, appended in one write to this process's own file: records of different processes never mix."""
    line = (json.dumps(record) + "\n").encode()
    descriptor = os.open(_folder() / f"calls-{os.getpid()}.jsonl", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(descriptor, line)
    finally:
        os.close(descriptor)


def _met(run: str, parties: int) -> bool:
    """Whether `parties` calls of this run are running at once, or were when one of them saw it (it left a mark:
    a call that met may end before the others look again)."""
    started, ended = set(), set()
    for record in _read(run):
        if record["event"] == "met":
            return True
        (started if record["event"] == "start" else ended).add(record["call"])
    return len(started - ended) >= parties


def _busy(until: float, in_worker: bool) -> None:
    """Compute until `until`. In the test's own process (the learner's code called the function in the coroutine,
    or in a thread) it spins, holding the GIL as CPU-bound Python code does: the event loop stalls, or competes
    for the GIL. In a worker process it sleeps instead: what it does there the event loop cannot see, except
    through the OS scheduler, and two workers spinning on a 2-core machine delay the test process's own wake-ups
    by 50-80 ms (measured), which would blur the stall checks with noise that is no fault of the learner's."""
    if in_worker:
        real_time_sleep(max(0.0, until - real_monotonic()))
        return
    while real_monotonic() < until:
        pass


def _compute(item: Any) -> None:
    config = _config()
    run, key = config["run"], repr(item)
    call = f"{os.getpid()}-{next(_sequence)}"
    in_worker = os.getpid() != config["tester"]
    started = real_monotonic()
    _write({"run": run, "call": call, "event": "start", "pid": os.getpid(), "item": key, "at": started})
    if config["linger"] and in_worker and run not in _lingering:
        # This process will take `linger` seconds to exit: a pool shut down and waited for is gone when the
        # learner's function returns; one left to wind down by itself is still there.
        _lingering.add(run)
        multiprocessing.util.Finalize(None, real_time_sleep, args=(config["linger"],), exitpriority=0)
    met = None
    if config["meet"]:
        # A rendezvous: wait (computing) until `meet` calls of this run are running at once, or give up after
        # `meet_within` seconds. Meeting proves they ran at the same time, whatever the machine's load.
        give_up = started + config["meet_within"]
        met = False
        while real_monotonic() < give_up:
            if _met(run, config["meet"]):
                met = True
                _write(
                    {"run": run, "call": call, "event": "met", "pid": os.getpid(), "item": key, "at": real_monotonic()}
                )
                break
            _busy(min(give_up, real_monotonic() + 0.002), in_worker)
    _busy(real_monotonic() + config["durations"].get(key, config["duration"]), in_worker)
    failure = config["errors"].get(key)
    _write(
        {
            "run": run,
            "call": call,
            "event": "end",
            "pid": os.getpid(),
            "item": key,
            "at": real_monotonic(),
            "met": met,
            "outcome": "raised" if failure is not None else "returned",
        }
    )
    if failure is not None:
        raise ValueError(failure)


def square(n: int) -> int:
    """CPU-bound work on a number: computes for as long as the check's ProcessLog says, then returns n * n."""
    _compute(n)
    return n * n


def parsed(body: bytes) -> str:
    """What parse_page makes of a body, computed here without recording anything: for the checks' expectations."""
    return body.decode("utf-8").upper()


def parse_page(body: bytes) -> str:
    """CPU-bound parsing of a fetched body: computes for as long as the check's ProcessLog says, then returns
    the body decoded and upper-cased."""
    _compute(body)
    return parsed(body)


def page(url: str) -> bytes:
    """The body FakeFetch returns for a url in the pipeline checks."""
    return f"<page of {url}>".encode()


# ---------------------------------------------------------------------------------------------------------------
# The test's side.


def _read(run: str) -> list[dict]:
    records = []
    for path in _folder().glob("calls-*.jsonl"):
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            continue
        for line in text.splitlines(keepends=True):
            if not line.endswith("\n"):
                break  # being written at this very moment
            record = json.loads(line)
            if record["run"] == run:
                records.append(record)
    return records


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
    """One call of a process-work function: its item (as repr), the process it ran in, when it started and
    ended (time.monotonic), how it ended, and whether it met its rendezvous."""

    item: str
    pid: int
    started: float
    ended: float | None = None
    outcome: str = "running"  # then "returned" or "raised"
    met: bool | None = None


class ProcessLog:
    """`log = ProcessLog(...)` starts a run of `square` / `parse_page` calls and says how they behave:

    duration: seconds each call computes; `durations` overrides it per item.
    meet: each call first waits (computing) until `meet` calls are running at once, or `meet_within` seconds.
    errors: item -> message: that call raises ValueError(message) once it has computed.
    linger: each process a call ran in takes this long to exit, once it is told to.

    Instruments: `calls` (every ProcessCall, in start order), split into `in_test_process` (called in the event
    loop's own process: in the coroutine, or in a thread) and `in_workers`; `worker_pids`; `peak` and
    `worker_peak` (most calls running at once, from their start and end times); `window` (first start to last
    end); `alive()` (the worker processes calls ran in that still exist).
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
    ) -> None:
        _make_folder()
        self.run = uuid.uuid4().hex
        self.tester = os.getpid()
        config = {
            "run": self.run,
            "tester": self.tester,
            "duration": duration,
            "durations": {repr(item): seconds for item, seconds in (durations or {}).items()},
            "meet": meet,
            "meet_within": meet_within,
            "errors": {repr(item): message for item, message in (errors or {}).items()},
            "linger": linger,
        }
        for old in _folder().glob("calls-*.jsonl"):
            old.unlink(missing_ok=True)
        staged = _folder() / f"run-{self.run}.json"
        staged.write_text(json.dumps(config), encoding="utf-8")
        staged.replace(_folder() / "run.json")  # atomic: a child never reads half a config

    @property
    def calls(self) -> list[ProcessCall]:
        calls: dict[str, ProcessCall] = {}
        for record in sorted(_read(self.run), key=lambda record: (record["at"], record["event"] != "start")):
            if record["event"] == "start":
                calls[record["call"]] = ProcessCall(record["item"], record["pid"], record["at"])
            elif record["event"] == "end" and (call := calls.get(record["call"])) is not None:
                call.ended, call.outcome, call.met = record["at"], record["outcome"], record["met"]
        return list(calls.values())

    @property
    def pids(self) -> set[int]:
        return {call.pid for call in self.calls}

    @property
    def in_test_process(self) -> list[ProcessCall]:
        return [call for call in self.calls if call.pid == self.tester]

    @property
    def in_workers(self) -> list[ProcessCall]:
        """The calls that ran in another process than the test's."""
        return [call for call in self.calls if call.pid != self.tester]

    @property
    def worker_pids(self) -> set[int]:
        return {call.pid for call in self.in_workers}

    @property
    def peak(self) -> int:
        """Most calls running at the same moment, wherever they ran."""
        return _peak(self.calls)

    @property
    def worker_peak(self) -> int:
        """Most calls running at the same moment in other processes than the test's."""
        return _peak(self.in_workers)

    @property
    def window(self) -> tuple[float, float] | None:
        """From the first call's start to the last call's end: while the work was computing."""
        calls = [call for call in self.calls if call.ended is not None]
        if not calls:
            return None
        return min(call.started for call in calls), max(call.ended for call in calls)

    def alive(self) -> list[int]:
        """The processes calls ran in (the test's own excluded) that still exist: running, exiting, or exited and
        not yet waited for. A pool shut down with wait=True has waited for every one of them."""
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
        inside = self.in_test_process
        expect(
            bool(calls) and not inside,
            saw=f"{len(inside)} of the {len(calls)} call(s) of {what} ran in the test's own process "
            f"(pid {self.tester}), where the event loop runs"
            if calls
            else f"no call of {what} at all",
            expected=f"every call of {what} in a worker process of a process pool, whose pid is not the test's",
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


class Heartbeat:
    """`async with Heartbeat() as beat:` around the learner's call; then `beat.expect_free_during(log, "fn")`.

    A task ticks every 5 ms and keeps every tick (time.monotonic), so the longest stall can be measured within
    a window: while the work computed in the pool, not while the pool started or shut down (which a correct
    solution may do in the event loop's thread, e.g. `with ProcessPoolExecutor() as pool:` waits there for its
    processes to exit).
    """

    TICK = 0.005

    async def __aenter__(self) -> "Heartbeat":
        self.ticks = [real_monotonic()]
        self._task = asyncio.create_task(self._beat(), name="harness:heartbeat")
        await real_sleep(0)
        return self

    async def __aexit__(self, *exc_info) -> None:
        self._task.cancel()
        await asyncio.wait([self._task])
        self.ticks.append(real_monotonic())

    async def _beat(self) -> None:
        while True:
            await real_sleep(self.TICK)
            self.ticks.append(real_monotonic())

    def longest_stall(self, start: float, end: float) -> float:
        """The longest time within [start, end] that the loop went without a tick."""
        longest = 0.0
        for before, after in zip(self.ticks, self.ticks[1:], strict=False):
            longest = max(longest, min(after, end) - max(before, start))
        return longest

    def expect_free_during(self, log: ProcessLog, what: str) -> None:
        """The longest stall while `log`'s calls computed, from the first one's start to the last one's end."""
        window = log.window
        expect(window is not None, saw=f"no call of {what} finished", expected=f"every call of {what} to finish")
        start, end = window
        stall = self.longest_stall(start, end)
        if log.in_test_process:
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


class PipelineFetch(FakeFetch):
    """FakeFetch whose delay may be `UntilParsed(within)`: that fetch ends only once a parse_page call of `log`'s
    run has started, so a pipeline that parses each body as it arrives lets it finish, and one that waits for every
    fetch before parsing anything makes it wait `within` and then see no parse started. `saw_parse` records which:
    exact, whatever the clock does."""

    def __init__(self, log: ProcessLog, **options) -> None:
        super().__init__(**options)
        self.log = log
        self.saw_parse: bool | None = None

    async def _wait(self, delay) -> None:
        if not isinstance(delay, UntilParsed):
            await super()._wait(delay)
            return
        give_up = real_monotonic() + delay.within
        while real_monotonic() < give_up:
            if self.log.calls:
                self.saw_parse = True
                return
            await real_sleep(0.005)
        self.saw_parse = False
