"""Grading one kata: its hidden suite in a subprocess of its own, under a hard wall-clock limit.

The suite runs with the harness's pytest plugin, which writes a report (harness/plugin.py): first the checks
it expects, before any learner code runs, then one line per finished check. The report comes through a pipe the
suite's process inherits, not a file: learner code, which runs in a sandbox process of its own, has no path to
it. Whatever the learner's code does (hang, exit, crash, not import), a check that never reported counts as
failed, and whatever arrives on the pipe is validated: a broken report costs its kata, never the grader.
"""

import contextlib
import json
import math
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

from . import confine, zygote
from .curriculum import Kata, Workspace
from .results import Check, KataResult

TIME_LIMIT = 10.0


def usable_cpus(cgroup: Path = Path("/sys/fs/cgroup")) -> int:
    """The CPUs this process may run on, as many as its container's CPU quota allows (cgroup v2, or v1): a container
    (a Gradescope autograder's) sees its host's CPUs, while it may use only one or two of them."""
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    for quota, period in (("cpu.max", None), ("cpu/cpu.cfs_quota_us", "cpu/cpu.cfs_period_us")):
        with contextlib.suppress(OSError, ValueError, IndexError):
            words = (cgroup / quota).read_text().split()
            allowed, every = words[0], (cgroup / period).read_text() if period else words[1]
            if allowed not in ("max", "-1"):
                return max(1, min(count, math.ceil(int(allowed) / int(every))))
    return count


# Suites mostly wait on timers and on the sandbox: measured on a 2-core machine (sandboxes forked from a zygote),
# three katas at a time kept 1.4 of the 2 CPUs busy (13.3 s of CPU in 9.7 s), five 1.7 (in 7.9 s); the timing checks
# hold with two busy processes beside five.
JOBS = min(2 * usable_cpus() + 1, 9)

# Hypothesis keeps a unicode table (about a second to build) and other caches in its storage folder. One kept
# across runs, outside the learner's folder, saves that second in every kata.
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "asyncio-katas"
SUITE_SETTINGS = Path(__file__).with_name("suites.ini")


@dataclass(frozen=True)
class Options:
    """How to grade: in which workspace, with which suites, how many katas at a time, within what limit."""

    workspace: Workspace
    tests: Path  # the hidden suites: the workspace's tests/, or an instructor's copy kept elsewhere
    jobs: int = JOBS
    time_limit: float = TIME_LIMIT


REPORT_CAP = 4 << 20  # bytes of report read from one kata's suite

PLUGINS = ("harness.plugin", "pytest_asyncio.plugin", "pytest_timeout", "_hypothesis_pytestplugin")


def _arguments(suite: Path) -> list[str]:
    arguments = [str(suite), "-c", str(SUITE_SETTINGS), "--rootdir", str(suite.parent.parent)]
    for plugin in PLUGINS:
        arguments += ["-p", plugin]
    # No conftest.py is ever loaded, so none dropped beside the learner's code can rewrite a verdict;
    # plain asserts keep the harness's messages as they are written.
    return arguments + ["--noconftest", "--assert=plain", "-q", "--no-header"]


def _environment(options: Options) -> dict[str, str]:
    # Of the grader's own variables, only a setting (KATA_TIME_SCALE) passes on: what is being graded is said
    # by the request alone (a KATA_TARGET left in this process's environment once graded the wrong folder).
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "KATA_")) or key == "KATA_TIME_SCALE"
    }
    env.update(
        PYTHONPATH=str(options.tests),
        KATAS_ROOT=str(options.workspace.root),  # what the sandbox must not read: confine.hidden_paths
        KATA_TESTS=str(options.tests),
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",  # only the plugins named above, whatever else is installed
        PYTHONDONTWRITEBYTECODE="1",  # no __pycache__ written into the learner's folder
        HYPOTHESIS_STORAGE_DIRECTORY=str(CACHE / "hypothesis"),
    )
    return env


class SuiteProcess:
    """One kata's pytest process, in a scratch folder and a session of its own (so its whole process group,
    pools and children included, can be killed). Start it ahead of need; `run` then grades one kata."""

    def __init__(self, options: Options) -> None:
        self.scratch = Path(tempfile.mkdtemp(prefix="kata-"))
        self._log = (self.scratch / "pytest.log").open("wb")
        report_read, report_write = os.pipe()
        # Where the kernel allows it (as root), the kata's judge and sandbox share a network of their own, with
        # loopback alone: the learner's code can connect to nothing else, whatever it does.
        self.process = zygote.Zygote.for_environment(_environment(options)).fork(
            cwd=self.scratch,
            log=self._log.fileno(),
            report=report_write,
            own_network=confine.own_network_available(),
        )
        os.close(report_write)
        self.report = bytearray()
        self.finished = threading.Event()  # the process has exited, or its report has every check it expected
        self._reader = threading.Thread(target=self._read_report, args=(report_read,), daemon=True)
        self._reader.start()
        threading.Thread(target=self._await_exit, daemon=True).start()

    def _read_report(self, descriptor: int) -> None:
        with os.fdopen(descriptor, "rb", buffering=0) as stream:
            while chunk := stream.read(65536):
                self.report += chunk[: max(0, REPORT_CAP - len(self.report))]
                if b"\n" in chunk and _complete(parse_report(bytes(self.report))):
                    self.finished.set()

    def _await_exit(self) -> None:
        self.process.wait()
        self.finished.set()

    def report_lines(self) -> list[dict]:
        self._reader.join(timeout=5)
        return parse_report(bytes(self.report))

    def run(self, suite: Path, target: Path, time_limit: float, category: str | None = None) -> tuple[int, bool]:
        """Grade `target` with `suite` (only its checks of `category`, if named); (exit code, whether the time
        limit killed it)."""
        env = {"KATA_TARGET": str(target), "KATA_NAME": suite.stem.removeprefix("test_")}
        if category is not None:
            env["KATA_CATEGORY"] = category
        request = {"args": _arguments(suite), "env": env}
        try:
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            self.process.stdin.close()
        except BrokenPipeError:  # it died booting: its missing report says so
            pass
        # Done when every check has reported: the rest of pytest's session (its teardown, the judge's cleanup) is
        # not waited for; the grader cleans up after the sandbox itself (kill_sandboxes).
        timed_out = not self.finished.wait(timeout=time_limit)
        self._kill()  # whatever the learner's code left running
        return self.process.returncode, timed_out

    def kill_sandboxes(self, lines: list[dict]) -> None:
        """Every process of the sandboxes the suite's process started (in sessions of their own, or gone further),
        and their scratch folders: the suite's process is stopped before it can clean up after them."""
        for line in lines:
            sandbox = line.get("sandbox")
            if not isinstance(sandbox, dict):
                continue
            group, token, uid, scratch = (sandbox.get(key) for key in ("group", "token", "uid", "scratch"))
            if isinstance(group, int) and group > 1:
                with contextlib.suppress(OSError):
                    os.killpg(group, signal.SIGKILL)
            if isinstance(token, str) and token.isalnum():
                confine.kill_left_behind(token, uid if isinstance(uid, int) else None)
            if isinstance(scratch, str) and Path(scratch).name.startswith("kata-sandbox-"):
                if Path(scratch).parent == Path(tempfile.gettempdir()):
                    shutil.rmtree(scratch, ignore_errors=True)

    def log_text(self) -> str:
        return (self.scratch / "pytest.log").read_text(errors="replace")

    def _kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def close(self) -> None:
        self._kill()
        self.process.stdin.close()
        self._log.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self) -> "SuiteProcess":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _complete(lines: list[dict]) -> bool:
    expected = next((line["expected"] for line in lines if "expected" in line), None)
    if not isinstance(expected, list) or not expected:
        return False
    reported = {line.get("check") for line in lines}
    return all(isinstance(entry, dict) and entry.get("name") in reported for entry in expected)


def parse_report(data: bytes) -> list[dict]:
    """The report's lines, each a JSON object; reading stops at the first that is not (a line cut short by a
    killed process, or the cap)."""
    lines = []
    for line in data.split(b"\n"):
        try:
            parsed = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            break
        if not isinstance(parsed, dict):
            break
        lines.append(parsed)
    return lines


def _ended_early(exit_code: int, check: str) -> str:
    how = f"was killed by {signal.Signals(-exit_code).name}" if exit_code < 0 else f"exited with code {exit_code}"
    return (
        f"the test process {how} during check '{check}', before it could report: "
        "does the code call sys.exit() or os._exit(), or crash the interpreter?"
    )


def grade(
    kata: Kata, target: Path, options: Options, *, process: SuiteProcess | None = None, category: str | None = None
) -> KataResult:
    """Grade one kata, in `process` if one was started ahead (it is used up), else in a new one; with only the
    checks of `category`, if named (verify: is a wrong solution caught where it should be)."""
    suite = kata.suite(options.tests)
    if not suite.exists():
        if process is not None:
            process.close()
        return KataResult(
            kata,
            reason="this copy of the katas has no hidden suite for it: only your instructor "
            "can grade it (python -m grader --tests PATH grades with a suite kept elsewhere)",
        )
    if not (target / f"{kata.name}.py").is_file():
        if process is not None:
            process.close()
        return KataResult(
            kata,
            reason=f"there is no {target.name}/{kata.name}.py: `python -m grader reset {kata.name}` brings its "
            "original stub back",
        )
    started = perf_counter()
    time_limit = options.time_limit
    with process or SuiteProcess(options) as suite_process:
        exit_code, timed_out = suite_process.run(suite, target.resolve(), time_limit, category)
        lines = suite_process.report_lines()
        suite_process.kill_sandboxes(lines)
        try:
            result = _judge(
                kata, lines, suite_process.log_text(), exit_code=exit_code, timed_out=timed_out, time_limit=time_limit
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:  # a report that makes no sense
            result = KataResult(kata, reason=f"the grader could not read this kata's report ({error!r})")
    result.seconds = perf_counter() - started
    return result


def _judge(
    kata: Kata, lines: list[dict], log: str, *, exit_code: int, timed_out: bool, time_limit: float
) -> KataResult:
    expected = next((line["expected"] for line in lines if "expected" in line), None)
    if not expected:  # never a pass: a suite that ran no check proves nothing
        tail = "\n".join(log.strip().splitlines()[-15:])
        return KataResult(kata, reason=f"the hidden suite could not run (exit code {exit_code}):\n{tail}")
    reported = {line["check"]: line for line in lines if "check" in line}
    missing = [entry["name"] for entry in expected if entry["name"] not in reported]
    reason = next((line["import_error"] for line in lines if "import_error" in line), "")
    if not reason and timed_out:
        during = f" during check '{missing[0]}'" if missing else ""
        reason = f"timed out after {time_limit:g} s{during}: a blocking call or a task that never finishes?"
    elif not reason and missing:
        reason = _ended_early(exit_code, missing[0])
    checks = [
        Check(
            name=entry["name"],
            category=entry["category"],
            description=entry["description"],
            passed=reported.get(entry["name"], {}).get("passed", False),
            message=reported.get(entry["name"], {}).get("message", reason),
            not_implemented=reported.get(entry["name"], {}).get("not_implemented", False),
        )
        for entry in expected
    ]
    return KataResult(kata, checks, reason=reason)


def grade_all(
    katas: list[Kata], target: Path, options: Options, on_result: Callable[[KataResult], None] | None = None
) -> list[KataResult]:
    """Several katas at a time (each waits mostly on its own subprocess), each result handed to `on_result` as it
    arrives (in this thread); the results in curriculum order."""
    with ThreadPoolExecutor(max_workers=options.jobs) as pool:
        futures = [pool.submit(grade, kata, target, options) for kata in katas]
        for future in as_completed(futures):
            if on_result is not None:
                on_result(future.result())
        return [future.result() for future in futures]
