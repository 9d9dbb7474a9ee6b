"""Grading one kata: its hidden suite in a subprocess of its own, under a hard wall-clock limit.

The suite runs with the harness's pytest plugin, which writes a report (harness/plugin.py): first the checks
it expects, before any learner code runs, then one line per finished check. Whatever the learner's code does
(hang, exit, crash, not import), a check that never reported counts as failed.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from time import perf_counter

from .curriculum import ROOT, TESTS, Kata
from .results import Check, KataResult

TIME_LIMIT = 10.0
# Suites mostly wait on timers, so even a 2-core machine grades two at a time with room to spare.
JOBS = max(2, os.cpu_count() or 1)

# Hypothesis keeps a unicode table (about a second to build) and other caches in its storage folder. One kept
# across runs, outside the learner's folder, saves that second in every kata.
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "asyncio-katas"

PLUGINS = ("harness.plugin", "pytest_asyncio.plugin", "pytest_timeout", "_hypothesis_pytestplugin")


def _command(suite: Path) -> list[str]:
    command = [sys.executable, "-m", "pytest", str(suite), "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(ROOT)]
    for plugin in PLUGINS:
        command += ["-p", plugin]
    # No conftest.py is ever loaded, so none dropped beside the learner's code can rewrite a verdict;
    # plain asserts keep the harness's messages as they are written.
    return command + ["--noconftest", "--assert=plain", "-q", "--no-header"]


def _environment(target: Path, report: Path, tests: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.update(
        PYTHONPATH=str(tests),
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",  # only the plugins named above, whatever else is installed
        PYTHONDONTWRITEBYTECODE="1",  # no __pycache__ written into the learner's folder
        HYPOTHESIS_STORAGE_DIRECTORY=str(CACHE / "hypothesis"),
        KATA_TARGET=str(target),
        KATA_REPORT=str(report),
    )
    return env


def _read_report(report: Path) -> list[dict]:
    lines = []
    for line in report.read_text(encoding="utf-8").splitlines() if report.exists() else []:
        try:
            lines.append(json.loads(line))
        except json.JSONDecodeError:  # a line cut short by a killed process
            break
    return lines


def _ended_early(exit_code: int, check: str) -> str:
    how = f"was killed by {signal.Signals(-exit_code).name}" if exit_code < 0 else f"exited with code {exit_code}"
    return (
        f"the test process {how} during check '{check}', before it could report: "
        "does the code call sys.exit() or os._exit(), or crash the interpreter?"
    )


def grade(kata: Kata, target: Path, *, tests: Path = TESTS, time_limit: float = TIME_LIMIT) -> KataResult:
    if not kata.suite(tests).exists():
        return KataResult(kata, reason="this copy of the katas has no hidden suite for it: only your instructor "
                          "can grade it (python -m grader --tests PATH grades with a suite kept elsewhere)")
    started = perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"kata-{kata.name}-") as scratch:
        scratch = Path(scratch)
        report, log = scratch / "report.jsonl", scratch / "pytest.log"
        with log.open("wb") as output:
            # Its own session, so the whole process group (pools and children included) can be killed.
            process = subprocess.Popen(
                _command(kata.suite(tests)),
                cwd=scratch,
                env=_environment(target.resolve(), report, tests),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                exit_code = process.wait(timeout=time_limit)
                timed_out = False
            except subprocess.TimeoutExpired:
                timed_out = True
            finally:
                try:
                    os.killpg(process.pid, signal.SIGKILL)  # also whatever the learner's code left running
                except ProcessLookupError:
                    pass
                process.wait()
        result = _judge(kata, _read_report(report), log.read_text(errors="replace"), exit_code=process.returncode,
                        timed_out=timed_out, time_limit=time_limit)
    result.seconds = perf_counter() - started
    return result


def _judge(kata: Kata, lines: list[dict], log: str, *, exit_code: int, timed_out: bool, time_limit: float) -> KataResult:
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


def grade_all(katas: list[Kata], target: Path, *, jobs: int, **options) -> list[KataResult]:
    """Several katas at a time (each waits mostly on its own subprocess); results in curriculum order."""
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(lambda kata: grade(kata, target, **options), katas))
