"""Programs the judge writes, for katas whose code under test runs programs: a Python script, run with the
sandbox's own interpreter, that follows a plan of steps (write to standard output or error, tell the judge, wait
for the judge's word, sleep, exit) and reports to the judge over a connection of its own on 127.0.0.1.

The judge sees for itself: the program's pid and when it started (its "hello"), when each step it was told to
report on was reached, whether its standard input gave end of file at once, when it ended (its connection to
the judge closes when the process dies, whatever killed it), and its state in /proc at the moment the judge
learns that the learner's call ended ("gone" once reaped). The sandbox adds which of its children were not yet
reaped when the call ended (probe "watch_children"; its word can only fail a check).

A program ignores SIGTERM, SIGINT and SIGHUP: only SIGKILL ends it before its plan does. It exits by itself as
soon as the judge closes its connection (at the end of the `Programs` block), so none outlives a check.

    async with Programs() as programs:
        program = programs.plan(out("one\\n"), tell("wrote"), wait_for("go"), err(b"\\xff"), exit_with(3))
        call = kata.run_command(program.argv, ...)
        programs.watch_end(call)
"""

import asyncio
import contextlib
import os
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .checks import KataCall, expect
from .network import HOST
from .sandbox import RemoteCall, SandboxEnded, current_sandbox
from .timing import real_perf_counter, seconds, units, until
from .watch import LoopWatch

# How long the judge waits for what a correct partner does within milliseconds (a line handed on, a program
# started) before it gives up, notes why, and lets the program go on: a mistake then fails a check with a message.
PATIENCE = units(3)

SCRIPT = r"""
import os, sys, time, _signal, _socket, _thread

# Only modules built into the interpreter (or nearly): a program must start in milliseconds, even on a loaded
# machine, since the timeouts it is run under count its start too.


def main():
    port, ident = int(sys.argv[1]), sys.argv[2]
    for number in (1, 2, 15):  # SIGHUP, SIGINT, SIGTERM: only SIGKILL ends this program early
        _signal.signal(number, _signal.SIG_IGN)
    judge = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    judge.connect(("127.0.0.1", port))
    received = set()

    def tell(text):
        judge.sendall((text + "\n").encode())

    def listen():
        buffer = b""
        while True:
            try:
                data = judge.recv(4096)
            except OSError:
                data = b""
            if not data:
                os._exit(70)  # the judge is gone: nobody wants this program any more
            buffer += data
            *lines, buffer = buffer.split(b"\n")
            received.update(line.decode() for line in lines)

    def write(fd, data):
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(fd, view):]
            except OSError:  # the reader closed its end
                os._exit(71)

    _thread.start_new_thread(listen, ())
    tell(f"hello {ident} {os.getpid()}")
    for step in sys.argv[3:]:
        kind, _, rest = step.partition(":")
        if kind == "write":
            fd, data = rest.split(":")
            write(int(fd), bytes.fromhex(data))
        elif kind == "bulk":
            fd, pattern, times = rest.split(":")
            pattern, left = bytes.fromhex(pattern), len(pattern) // 2 * int(times)
            chunk = pattern * max(1, 65536 // len(pattern))
            while left > 0:
                piece = chunk[:left]
                write(int(fd), piece)
                left -= len(piece)
        elif kind == "tell":
            tell("tell " + rest)
        elif kind == "wait":
            while rest not in received:
                time.sleep(0.001)
        elif kind == "sleep":
            time.sleep(float(rest))
        elif kind == "stdin":
            deadline, eof = time.monotonic() + float(rest), False
            try:
                os.set_blocking(0, False)
                while time.monotonic() < deadline:
                    try:
                        eof = os.read(0, 1) == b""
                        break
                    except BlockingIOError:
                        time.sleep(0.002)
            except OSError:
                pass
            try:
                path = os.readlink("/proc/self/fd/0")
            except OSError:
                path = "closed"
            tell(f"stdin {int(eof)} {path}")
        elif kind == "exit":
            os._exit(int(rest))
    os._exit(0)


main()
"""


# Steps of a plan.


def _data(data: bytes | str) -> str:
    return (data.encode() if isinstance(data, str) else data).hex()


def out(data: bytes | str) -> str:
    """Write to standard output (a str as UTF-8), all of it, blocking while the pipe is full."""
    return f"write:1:{_data(data)}"


def err(data: bytes | str) -> str:
    """Write to standard error."""
    return f"write:2:{_data(data)}"


def bulk(stream: str, pattern: bytes | str, times: int) -> str:
    """Write `pattern` `times` times to "out" or "err" (megabytes, without a command line that long)."""
    return f"bulk:{1 if stream == 'out' else 2}:{_data(pattern)}:{times}"


def tell(label: str) -> str:
    """Tell the judge this step was reached (stamped on the judge's clock when it arrives)."""
    return f"tell:{label}"


def wait_for(label: str) -> str:
    """Wait until the judge says `label` (`Program.go`)."""
    return f"wait:{label}"


def pause(duration: float) -> str:
    """Sleep (a finite time: a program killed by nobody must still end, so that no check hangs for good)."""
    return f"sleep:{duration!r}"


def check_stdin(within: float = PATIENCE) -> str:
    """Report whether standard input gives end of file within `within` seconds, and what it is."""
    return f"stdin:{within!r}"


def exit_with(code: int) -> str:
    return f"exit:{int(code)}"


@dataclass
class Run:
    """One start of a program, as the judge saw it."""

    pid: int
    started: float
    told: dict[str, float] = field(default_factory=dict)
    stdin: dict | None = None
    ended: float | None = None  # its connection to the judge closed: the process is gone (killed or exited)
    writer: Any = field(default=None, repr=False)


@dataclass
class Program:
    """A plan, and every run of it the judge saw (a correct caller starts it once)."""

    ident: int
    argv: list[str]
    runs: list[Run] = field(default_factory=list)
    state_at_end: str | None = None  # its /proc state when the judge learned the call ended ("gone": reaped)
    unreaped_at_end: bool | None = None  # the sandbox's word: still its child (not reaped) when the call ended

    @property
    def run(self) -> Run | None:
        return self.runs[0] if self.runs else None

    @property
    def pid(self) -> int | None:
        return self.run.pid if self.run else None

    def go(self, label: str) -> None:
        """Let the program past `wait_for(label)`."""
        for run in self.runs:
            if run.writer is not None and not run.writer.is_closing():
                run.writer.write(f"{label}\n".encode())

    async def go_on_turns(self, watch: LoopWatch, labels: list[str]) -> None:
        """Let the program past each `wait_for(label)`, in order, once it has told the judge `label` and the
        sandbox's loop has had a turn since (or TURN_PATIENCE after): code that awaits the program lets it run on
        within milliseconds; code that blocks the loop while it runs holds it for TURN_PATIENCE at each."""
        for label in labels:
            if not await self.until_told(label):
                return
            await watch.until_turn(self.told(label))
            self.go(label)

    def told(self, label: str) -> float | None:
        return self.run.told.get(label) if self.run else None

    async def until_told(self, label: str, within: float = PATIENCE) -> bool:
        return await until(lambda: self.told(label) is not None, within)

    async def until_ended(self, within: float = PATIENCE) -> bool:
        return await until(lambda: self.run is not None and self.run.ended is not None, within)

    def state(self) -> str:
        """Its state now, from /proc: "gone" (reaped, or never started), "Z" (exited, not reaped), "R", "S"..."""
        if self.pid is None:
            return "gone"
        try:
            with open(f"/proc/{self.pid}/stat") as stat:
                return stat.read().rpartition(")")[2].split()[0]
        except (OSError, IndexError):
            return "gone"


def state_words(state: str | None) -> str:
    if state == "gone":
        return "ended and reaped"
    if state == "Z":
        return "ended (killed) but not yet reaped: nobody had waited for it"
    return "still running"


class Programs:
    """`async with Programs() as programs:` a folder the sandbox may read, holding the program script, and a
    server on 127.0.0.1 its runs report to. `programs.plan(*steps)` makes a Program whose `argv` the learner's
    code is given. While the block runs, the sandbox reports which of its children each call left unreaped."""

    def __init__(self) -> None:
        self.programs: list[Program] = []
        self._handlers: set[asyncio.Task] = set()

    async def __aenter__(self) -> "Programs":
        self._sandbox = current_sandbox()
        # In the sandbox's programs folder, the only place from which it may run a script of the judge's.
        self.folder = Path(tempfile.mkdtemp(prefix="run-", dir=self._sandbox.confinement.programs))
        os.chmod(self.folder, 0o755)  # the sandbox may run as a user of its own: it reads, never writes, here
        self.script = self.folder / "program.py"
        self.script.write_text(SCRIPT)
        os.chmod(self.script, 0o644)
        self._server = await asyncio.start_server(self._serve, HOST, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        self._sandbox.begin()
        with contextlib.suppress(SandboxEnded):
            await self._sandbox.probe("watch_children", on=True)
        return self

    async def __aexit__(self, *exc_info) -> None:
        try:
            self._server.close()
            for program in self.programs:
                for run in program.runs:
                    if run.ended is None:  # left running by the code under test: it ends with the check
                        with contextlib.suppress(OSError):
                            os.kill(run.pid, signal.SIGKILL)
                    if run.writer is not None:
                        run.writer.close()
            if self._handlers:  # each ends when its program's connection does (cancelled, 3.11 logs an error)
                await asyncio.wait(self._handlers, timeout=units(5))
            for task in list(self._handlers):
                task.cancel()
            with contextlib.suppress(TimeoutError):  # from 3.12 on it waits for the connections too
                async with asyncio.timeout(units(5)):
                    await self._server.wait_closed()
            sandbox = current_sandbox()
            if sandbox is not None and sandbox is self._sandbox and sandbox.ended is None:
                with contextlib.suppress(SandboxEnded):
                    await sandbox.probe("watch_children", on=False)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def plan(self, *steps: str) -> Program:
        """A program that takes `steps` in order (out, err, bulk, tell, wait_for, pause, check_stdin, exit_with),
        then exits with code 0."""
        ident = len(self.programs) + 1
        argv = [sys.executable, "-I", "-S", str(self.script), str(self.port), str(ident), *steps]
        program = Program(ident, argv)
        self.programs.append(program)
        return program

    def missing(self) -> list[str]:
        """The argv of a program that does not exist (in this folder)."""
        return [str(self.folder / "no-such-program"), "--help"]

    def watch_end(self, call: RemoteCall) -> RemoteCall:
        """Note, in the step the judge learns `call` ended, each program's state; once the call's end message is
        read, which were still the sandbox's children (not reaped)."""

        def at_end() -> None:
            for program in self.programs:
                # Its pid unknown yet (its hello not read yet): judged later by its state then (alive then: alive now).
                program.state_at_end = program.state() if program.pid is not None else None

        call.on_end.append(at_end)
        return call

    def note_children(self, call: KataCall) -> None:
        """After `await call.outcome()`: which programs the sandbox still had as children when the call ended."""
        message = call.task.result() if call.task.done() and not call.task.exception() else {}
        children = message.get("children") if isinstance(message, dict) else None
        pids = (
            {entry[0] for entry in children if isinstance(entry, list) and entry}
            if isinstance(children, list)
            else set()
        )
        for program in self.programs:
            if program.pid is not None:
                program.unreaped_at_end = program.pid in pids

    def expect_reaped(self, program: Program, *, how: str) -> None:
        """The program had been killed (or had exited) and reaped when the call ended. `how` says how the call
        ended, in a learner's words ("it raised TimeoutError after 0.21 s")."""
        expect(
            program.run is not None,
            saw=f"the program was never started; {how}",
            expected="the program started, once",
            mistake="the program given was not run: asyncio.create_subprocess_exec(*argv, ...)",
        )
        state = program.state_at_end if program.state_at_end is not None else program.state()
        unreaped = program.unreaped_at_end
        if state not in ("gone", "Z"):
            mistake = (
                "the program was left running: kill it (process.kill(), which sends SIGKILL: this program ignores "
                "SIGTERM, so terminate() does not end it), then await process.wait()"
            )
        else:
            mistake = (
                "the program was killed but nobody waited for it: after process.kill(), read the rest of its output "
                "and await process.wait() (communicate() does both) before raising"
            )
        expect(
            state == "gone" and not unreaped,
            saw=f"when the call ended ({how}), the program was {state_words(state if not unreaped else 'Z')}",
            expected="the program killed, its output drained and the program reaped (waited for) before the call ends",
            mistake=mistake,
        )

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        task.set_name("harness:program")
        self._handlers.add(task)
        run: Run | None = None
        try:
            while line := await reader.readline():
                kind, _, rest = line.decode(errors="replace").rstrip("\n").partition(" ")
                if kind == "hello":
                    ident, _, pid = rest.partition(" ")
                    program = next((p for p in self.programs if str(p.ident) == ident), None)
                    if program is None or not pid.isdigit():
                        break
                    run = Run(int(pid), real_perf_counter(), writer=writer)
                    program.runs.append(run)
                elif run is not None and kind == "tell":
                    run.told.setdefault(rest, real_perf_counter())
                elif run is not None and kind == "stdin":
                    eof, _, path = rest.partition(" ")
                    run.stdin = {"eof": eof == "1", "path": path}
        except (ConnectionError, OSError):
            pass
        finally:
            if run is not None:
                run.ended = real_perf_counter()
            self._handlers.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()


def describe_runs(program: Program) -> str:
    """How the program's runs went, for a message."""
    if not program.runs:
        return "the program was never started"
    if len(program.runs) > 1:
        return f"the program was started {len(program.runs)} times"
    return "the program was started once"


__all__ = [
    "PATIENCE",
    "Program",
    "Programs",
    "bulk",
    "check_stdin",
    "describe_runs",
    "err",
    "exit_with",
    "out",
    "pause",
    "seconds",
    "tell",
    "wait_for",
]
