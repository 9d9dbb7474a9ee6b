"""Suite processes forked from one that has already imported pytest, hypothesis and the plugins, instead of each
importing them again (about a third of a second of CPU a kata, most of what grading a kata costs).

The pattern is multiprocessing's forkserver, kept to what grading needs: the runner starts one zygote
(`python -m grader.zygote`) and asks it for each kata's process, handing over the descriptors that process is to
have (its stdin, its log, its report pipe) and a pipe on which the zygote writes its exit status once it has
reaped it. The zygote never runs a suite: it only forks, and it stays single-threaded so that forking is safe.
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

REQUEST_CAP = 1 << 20


class Forked:
    """A suite process the zygote forked: what the runner needs of a `subprocess.Popen`."""

    def __init__(self, pid: int, stdin, status: int) -> None:
        self.pid = pid
        self.stdin = stdin
        self.returncode: int | None = None
        self._status = status
        self._exited = threading.Event()
        threading.Thread(target=self._await_status, daemon=True).start()

    def _await_status(self) -> None:
        with os.fdopen(self._status, "rb") as stream:
            reported = stream.read(32).strip()  # empty when the zygote itself died: the process is gone too
        self.returncode = int(reported) if reported.lstrip(b"-").isdigit() else -signal.SIGKILL
        self._exited.set()

    def wait(self) -> int:
        self._exited.wait()
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


class Zygote:
    """One per environment the runner grades in (in practice one per grader process)."""

    _started: dict[tuple, "Zygote"] = {}
    _starting = threading.Lock()

    @classmethod
    def for_environment(cls, env: dict[str, str]) -> "Zygote":
        key = tuple(sorted(env.items()))
        with cls._starting:
            zygote = cls._started.get(key)
            if zygote is None or zygote.process.poll() is not None:
                zygote = cls._started[key] = cls(env)
            return zygote

    def __init__(self, env: dict[str, str]) -> None:
        self.channel, theirs = socket.socketpair()
        self.process = subprocess.Popen(
            # -P: nothing importable from the working folder; the grader comes from its install, as in the suites
            [sys.executable, "-P", "-m", "grader.zygote", str(theirs.fileno())],
            env=env,
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C in the learner's terminal is the grader's to handle
        )
        theirs.close()
        self._asking = threading.Lock()

    def fork(self, *, cwd: Path, log: int, report: int, own_network: bool) -> Forked:
        """A new suite process, in the zygote's environment, reading its request from the returned `stdin`,
        writing its report to `report`."""
        stdin_read, stdin_write = os.pipe()
        status_read, status_write = os.pipe()
        request = json.dumps({"cwd": str(cwd), "own_network": own_network}).encode()
        try:
            with self._asking:
                socket.send_fds(self.channel, [request], [stdin_read, status_write, log, report])
                answer = self.channel.recv(32)
        finally:
            os.close(stdin_read)
            os.close(status_write)
        if not answer.strip().isdigit():
            os.close(stdin_write)
            os.close(status_read)
            raise RuntimeError(f"the grader's suite process could not start (exit code {self.process.wait()})")
        return Forked(int(answer), os.fdopen(stdin_write, "wb"), status_read)


def serve(channel: socket.socket) -> tuple[dict, list[int]]:
    """The zygote's loop: fork for each request and reap what it forked. Returns only in a forked child, with
    its request and descriptors; the zygote itself exits when the runner closes the channel."""
    statuses: dict[int, int] = {}  # pid -> where its exit status goes
    wakeup_read, wakeup_write = os.pipe()
    os.set_blocking(wakeup_write, False)
    signal.set_wakeup_fd(wakeup_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # only to wake the loop: reaping is done below
    while True:
        ready, _, _ = select.select([channel, wakeup_read], [], [])
        if wakeup_read in ready:
            os.read(wakeup_read, 4096)
            _reap(statuses)
        if channel in ready:
            message, descriptors, _, _ = socket.recv_fds(channel, REQUEST_CAP, 4)
            if not message:
                sys.exit(0)
            pid = os.fork()
            if pid == 0:
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                signal.set_wakeup_fd(-1)
                channel.close()
                for descriptor in (wakeup_read, wakeup_write, *statuses.values()):
                    os.close(descriptor)
                return json.loads(message), descriptors
            stdin, status, log, report = descriptors
            for descriptor in (stdin, log, report):
                os.close(descriptor)
            statuses[pid] = status
            channel.sendall(b"%d\n" % pid)


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
            os.write(descriptor, b"%d\n" % os.waitstatus_to_exitcode(status))
            os.close(descriptor)


def become_suite(request: dict, descriptors: list[int]) -> None:
    """In the forked child: the process the runner asked for, then the suite it is told to run."""
    stdin, status, log, report = descriptors
    os.close(status)
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
    become_suite(*serve(socket.socket(fileno=int(sys.argv[1]))))
