"""Suite processes forked from one that has already imported pytest, hypothesis and the plugins, instead of each
importing them again (about a third of a second of CPU a kata, most of what grading a kata costs).

The pattern is multiprocessing's forkserver, kept to what grading needs: the runner starts one zygote
(`python -m grader.zygote`) and asks it for each kata's process, handing over the descriptors that process is to
have (its stdin, its log, its report pipe) and a pipe on which the zygote writes the new process's pid, then its
exit status once it has reaped it. A zygote never runs a suite: it only forks, and it stays single-threaded so that
forking is safe. The sandboxes' zygote (grader/sandboxes.py) is served the same way.
"""

import compileall
import contextlib
import gc
import json
import os
import pkgutil
import select
import signal
import socket
import subprocess
import sys
import threading
import warnings
from pathlib import Path
from typing import BinaryIO

REQUEST_CAP = 16 << 10  # within any pipe's buffer (16 KB on macOS): a request is written whole, then sent
DESCRIPTORS_CAP = 16


class Forked:
    """A process a zygote forked: what its client needs of a `subprocess.Popen`."""

    def __init__(self, pid: int, status: BinaryIO, stdin: BinaryIO | None = None) -> None:
        self.pid = pid
        self.stdin = stdin
        self.returncode: int | None = None
        self._status = status
        self._exited = threading.Event()
        threading.Thread(target=self._await_status, daemon=True).start()

    def _await_status(self) -> None:
        with self._status:
            reported = self._status.read(32).strip()  # empty when the zygote itself died: the process is gone too
        self.returncode = int(reported) if reported.lstrip(b"-").isdigit() else -signal.SIGKILL
        self._exited.set()

    def poll(self) -> int | None:
        return self.returncode if self._exited.is_set() else None

    def wait(self, timeout: float | None = None) -> int:
        if not self._exited.wait(timeout):
            raise subprocess.TimeoutExpired(str(self.pid), timeout)
        return self.returncode

    def kill(self) -> None:
        """Its whole process group (it leads a session of its own), or the process alone if it has not made one
        yet; never a process that has already exited, whose pid may have been reused."""
        if self._exited.is_set():
            return
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:  # no session of its own yet
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)


class ForkServer:
    """A zygote process, and the client's end of its channel. Requests are datagrams, so that processes forked from
    the client (each kata's judge shares one sandbox zygote) can each send theirs on the one channel without mixing
    them; each carries descriptors only (a datagram may be small: 2 KB on macOS): a pipe with the request's text,
    one for the answer (the new process's pid, then its exit status once reaped), and those the new process is to
    have. The zygote exits once every holder of the lifeline's other end has exited."""

    def __init__(self, program: list[str], **popen) -> None:
        self.channel, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        lifeline_read, self._lifeline = os.pipe()
        self.process = subprocess.Popen(
            [*program, str(theirs.fileno()), str(lifeline_read)],
            pass_fds=(theirs.fileno(), lifeline_read),
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C in the learner's terminal is the grader's to handle
            **popen,
        )
        self._started_by = os.getpid()
        theirs.close()
        os.close(lifeline_read)

    def close(self) -> None:
        """Stop the zygote (one that no longer forks), and reap it where this process started it (not in a process
        forked from that one, to which its pid means nothing)."""
        self.channel.close()
        os.close(self._lifeline)
        if os.getpid() == self._started_by:
            self.process.kill()
            self.process.wait()

    def fork(self, request: dict, descriptors: list[int]) -> tuple[int, BinaryIO]:
        """A new process given `descriptors` (the zygote's child gets them in this order, with `request`): its pid
        and the stream its exit status will come on."""
        text = json.dumps(request).encode()
        if len(text) > REQUEST_CAP:
            raise ValueError("a zygote's request is too long")
        request_read, request_write = os.pipe()
        status_read, status_write = os.pipe()
        try:
            with os.fdopen(request_write, "wb") as stream:
                stream.write(text)
            socket.send_fds(self.channel, [b"fork"], [request_read, status_write, *descriptors])
        except OSError:
            os.close(status_read)
            raise RuntimeError("the zygote is gone") from None
        finally:
            os.close(request_read)
            os.close(status_write)
        status = os.fdopen(status_read, "rb")
        answer = status.readline().strip()
        if not answer.isdigit():
            status.close()
            raise RuntimeError("the zygote is gone")
        return int(answer), status


class Zygote:
    """One per environment the runner grades in (in practice one per grader process)."""

    _started: dict[tuple, "Zygote"] = {}
    _starting = threading.Lock()

    @classmethod
    def for_environment(cls, env: dict[str, str]) -> "Zygote":
        key = tuple(sorted(env.items()))
        with cls._starting:
            zygote = cls._started.get(key)
            if zygote is None or zygote.server.process.poll() is not None:
                zygote = cls._started[key] = cls(env)
            return zygote

    def __init__(self, env: dict[str, str]) -> None:
        # -P: nothing importable from the working folder; the grader comes from its install, as in the suites
        self.server = ForkServer([sys.executable, "-P", "-m", "grader.zygote"], env=env)

    def fork(self, *, cwd: Path, log: int, report: int, own_network: bool) -> Forked:
        """A new suite process, in the zygote's environment, reading its request from the returned `stdin`,
        writing its report to `report`."""
        stdin_read, stdin_write = os.pipe()
        try:
            pid, status = self.server.fork({"cwd": str(cwd), "own_network": own_network}, [stdin_read, log, report])
        except RuntimeError:
            os.close(stdin_write)
            code = self.server.process.wait()
            raise RuntimeError(f"the grader's suite process could not start (exit code {code})") from None
        finally:
            os.close(stdin_read)
        return Forked(pid, status, os.fdopen(stdin_write, "wb"))


def serve(channel: socket.socket, lifeline: int) -> tuple[dict, list[int]]:
    """A zygote's loop: fork for each request and reap what it forked. Returns only in a forked child, with its
    request and descriptors; the zygote itself exits when its lifeline ends."""
    statuses: dict[int, int] = {}  # pid -> where its exit status goes
    wakeup_read, wakeup_write = os.pipe()
    os.set_blocking(wakeup_write, False)
    signal.set_wakeup_fd(wakeup_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # only to wake the loop: reaping is done below
    while True:
        ready, _, _ = select.select([channel, lifeline, wakeup_read], [], [])
        if wakeup_read in ready:
            os.read(wakeup_read, 4096)
            _reap(statuses)
        if lifeline in ready:
            sys.exit(0)
        if channel not in ready:
            continue
        _, descriptors, _, _ = socket.recv_fds(channel, 16, DESCRIPTORS_CAP)
        if len(descriptors) < 2:
            for descriptor in descriptors:
                os.close(descriptor)
            continue
        request_read, status, *theirs = descriptors
        with os.fdopen(request_read, "rb") as stream:
            request = json.loads(stream.read(REQUEST_CAP))
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.set_wakeup_fd(-1)
            channel.close()
            for descriptor in (lifeline, wakeup_read, wakeup_write, status, *statuses.values()):
                os.close(descriptor)
            return request, theirs
        for descriptor in theirs:
            os.close(descriptor)
        with contextlib.suppress(BrokenPipeError):
            os.write(status, b"%d\n" % pid)
        statuses[pid] = status


def _reap(statuses: dict[int, int]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid in statuses:
            descriptor = statuses.pop(pid)
            with contextlib.suppress(BrokenPipeError):  # its client is gone, and asks no more
                os.write(descriptor, b"%d\n" % os.waitstatus_to_exitcode(status))
            os.close(descriptor)


def become_suite(request: dict, descriptors: list[int]) -> None:
    """In the forked child: the process the runner asked for, then the suite it is told to run."""
    stdin, log, report = descriptors
    os.setsid()  # a session of its own: the runner kills its whole group, sandboxes and pools included
    for target, source in ((0, stdin), (1, log), (2, log)):
        os.dup2(source, target)
    os.close(stdin)
    os.close(log)
    os.chdir(request["cwd"])
    os.environ["KATA_REPORT_FD"] = str(report)
    if request["own_network"]:
        from . import confine

        confine.own_network()
    run_suite()


def run_suite() -> None:
    import pytest

    import harness.sandbox

    request = None  # until read: a process started ahead of need (watch mode) waits for it
    if select.select([sys.stdin], [], [], 0)[0]:  # graded at once: the sandbox boots while pytest starts
        request = sys.stdin.readline()
        if request:
            os.environ.update(json.loads(request)["env"])
    harness.sandbox.boot_ahead()  # booted ahead of need, it waits to be told which module to import
    if request is None:
        request = sys.stdin.readline()
    if not request:
        sys.exit(0)
    request = json.loads(request)
    os.environ.update(request["env"])
    sys.exit(pytest.main(request["args"]))


def prepare() -> None:
    """What every suite would otherwise do for itself, done once before the first fork."""
    import importlib

    from . import sandboxes

    sandboxes.start_zygote()  # every suite's sandboxes fork from it; it boots while the rest is imported here

    import _hypothesis_pytestplugin  # noqa: F401  the slow part
    import _pytest.config
    import hypothesis  # noqa: F401
    import pytest  # noqa: F401
    import pytest_asyncio.plugin  # noqa: F401
    import pytest_timeout  # noqa: F401
    from hypothesis.internal import charmap
    from hypothesis.internal.conjecture import providers

    # pytest's own plugins, and what they and the judge import once a session starts.
    for name in _pytest.config.default_plugins:
        importlib.import_module(f"_pytest.{name}")
    for name in ("pdb", "tomllib", "ctypes", "faulthandler", "resource"):
        importlib.import_module(name)
    # The shared harness (a judge writes no bytecode: each compiled all of it again), all but the two modules that
    # read what a judge is to grade from its environment when they are imported. One that fails to import here
    # fails in the judge as it would have.
    with contextlib.suppress(ImportError):
        import harness

        for module in pkgutil.iter_modules(harness.__path__):
            if module.name not in ("plugin", "learner"):
                with contextlib.suppress(Exception):
                    importlib.import_module(f"harness.{module.name}")
    # Work hypothesis does once per process: the Unicode table text strategies draw from (30 ms of CPU), and the
    # scan of every imported module for constants (20-60 ms). Its internals: each skipped if a version moves it.
    # (Hypothesis warns about work done while plugins load, on the learner's terminal: not this work.)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for warm_up in (getattr(charmap, "charmap", None), getattr(providers, "_get_local_constants", None)):
            if callable(warm_up):
                warm_up()
    # Every sandbox imports the agent afresh and writes no bytecode (-B): its modules compiled once here instead,
    # 15-20 ms of CPU a sandbox. They are the grader's files: the sandbox's user reads them, never writes them.
    compileall.compile_dir(Path(__file__).parent, quiet=2)
    # What every suite inherits, out of the collector's sight: pytest and hypothesis collect garbage several times
    # a suite (80 ms of CPU each time the imports above were traversed again).
    gc.freeze()


if __name__ == "__main__":
    prepare()
    become_suite(*serve(socket.socket(fileno=int(sys.argv[1])), int(sys.argv[2])))
