"""The pytest plugin the grader loads into every kata run (`-p harness.plugin`): the judge's side of a kata.

It registers the `category` marker and pins hypothesis; gives suites the learner's module as `kata`, a stand-in
whose functions run in a sandbox process (harness/sandbox.py), booted while pytest collects; and writes the
report the grader reads: the checks it expects (before any learner code runs), then one line per finished check.
The report is this process's alone: the learner's code runs in another process, which never sees its path.
"""

import gc
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

from grader.results import CATEGORIES

from . import learner
from .checks import CheckOverrun, counted, describe_error, expect, start_check_budget
from .sandbox import RemoteModule, Sandbox, SandboxEnded, booted_ahead, provide_sandbox

PRINTED_SHOWN = 1500

# The report goes to a pipe the grader handed this process; the sandbox process never inherits it.
_report_fd = int(os.environ.pop("KATA_REPORT_FD", "-1"))
if _report_fd >= 0:
    os.set_inheritable(_report_fd, False)
_kata_name = os.environ.get("KATA_NAME")


class Judge:
    """The kata run's sandbox: one booted ahead, replaced when one ends (its checks fail, the next gets a new one)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.path = learner.module_path(name)
        self.sandbox: Sandbox | None = None
        self.boot()

    def boot(self) -> None:
        shown = learner.shown(self.path)
        self.sandbox = booted_ahead(self.path, shown) or Sandbox(self.path, shown)
        provide_sandbox(self.live)
        confinement = self.sandbox.confinement
        # What the grader needs to clean up after this sandbox itself: it stops this process as soon as every check
        # has reported, before the judge's own cleanup would run.
        write_report(
            sandbox={
                "group": self.sandbox.pid,
                "token": confinement.token,
                "uid": confinement.uid,
                "scratch": str(self.sandbox.scratch),
            }
        )

    def import_problem(self) -> str | None:
        """None when the module imported; else why not, in the learner's words."""
        hello = self.sandbox.wait_hello()
        shown = learner.shown(self.path)
        if "timeout" in hello:
            return f"timed out after {hello['timeout']:g} s while importing your module ({shown})"
        if hello.get("pid") is None or self.sandbox.ended:
            return f"{shown} could not be imported: the process importing it ended ({self.sandbox.exit_reason()})"
        if "error" in hello:
            try:
                error = self.sandbox.codec.decode(hello["error"])
            except Exception as problem:  # noqa: BLE001 - a malformed hello is the learner's code misbehaving
                return f"{shown} does not import: its report could not be read ({problem})"
            where = hello.get("where")
            return f"{shown} does not import: {describe_error(error)}" + (
                f" ({where})" if isinstance(where, str) else ""
            )
        return None

    def live(self) -> Sandbox:
        """The sandbox for the next check: the same one, unless it has ended."""
        if self.sandbox.ended is not None:
            self.sandbox.close()
            self.boot()
            problem = self.import_problem()
            expect(problem is None, saw=problem or "", expected="the module to import as it did before")
        return self.sandbox

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()


_judge: Judge | None = None


def write_report(**line) -> None:
    if _report_fd >= 0:
        data = (json.dumps(line) + "\n").encode()
        while data:
            data = data[os.write(_report_fd, data) :]


def _suite_kata(item: pytest.Item) -> str:
    return Path(item.fspath).stem.removeprefix("test_")


def _check_name(nodeid: str) -> str:
    return nodeid.split("::")[-1].removeprefix("test_")


def pytest_configure(config: pytest.Config) -> None:
    global _judge
    config.addinivalue_line("markers", "category(name): what a kata check proves: " + ", ".join(CATEGORIES))
    # Pinned, so that a CI variable (hypothesis's own "ci" profile) changes nothing; no explain phase, whose
    # tracing re-runs are slow; no example database written anywhere.
    settings.register_profile(
        "kata",
        max_examples=20,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=False,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    settings.load_profile("kata")
    if _kata_name and _judge is None:
        _judge = Judge(_kata_name)  # boots while pytest collects


def pytest_unconfigure(config: pytest.Config) -> None:
    if _judge is not None:
        _judge.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        marks = [mark.args for mark in item.iter_markers("category")]
        if len(marks) != 1 or len(marks[0]) != 1 or marks[0][0] not in CATEGORIES:
            raise pytest.UsageError(
                f"{item.nodeid}: a check needs one @pytest.mark.category(NAME), NAME in {CATEGORIES}"
            )
        item.category = marks[0][0]
    only = os.environ.get("KATA_CATEGORY")  # verify, grading a wrong solution: only where it must be caught
    if only:
        config.hook.pytest_deselected(items=[item for item in items if item.category != only])
        items[:] = [item for item in items if item.category == only]


def pytest_collection_finish(session: pytest.Session) -> None:
    write_report(
        expected=[
            {
                "name": _check_name(item.nodeid),
                "category": item.category,
                "description": " ".join((item.function.__doc__ or "").split()),
            }
            for item in session.items
        ]
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session):
    """Wait for the sandbox to import the learner's module: if it does not import, say why and run nothing."""
    global _judge
    names = {_suite_kata(item) for item in session.items}
    if len(names) != 1:
        raise pytest.UsageError(f"a kata run grades one kata's suite, got {sorted(names)}")
    (name,) = names
    if _judge is None or _judge.name != name:
        if _judge is not None:
            _judge.close()
        _judge = Judge(name)
    problem = _judge.import_problem()
    if problem is not None:
        write_report(import_error=problem)
        return True
    return None


@pytest.fixture
def kata():
    """The learner's module for this suite's kata: `kata.NAME(...)` is a call of NAME in the sandbox."""
    return RemoteModule(_judge.live)


@pytest.fixture(autouse=True)
def _check(request):
    """Every check: its time budget, and at its end the sandbox's word on what the learner's code left behind."""
    start_check_budget()
    yield
    sandbox = _judge.sandbox if _judge is not None else None
    if sandbox is None:
        return
    sandbox.end()
    allowed = any("never awaited" in str(mark.args) for mark in request.node.iter_markers("filterwarnings"))
    unawaited, sandbox.unawaited = sandbox.unawaited, []
    if unawaited and not allowed:
        name = unawaited[0].split("'")[1] if unawaited[0].count("'") >= 2 else "a coroutine"
        expect(
            False,
            saw=f"a coroutine, {name}(...), created but never awaited",
            expected="every coroutine awaited (or wrapped in a task)",
            mistake=f"calling {name}(...) without `await` in front makes a coroutine and throws it away: nothing runs",
        )


def _message(error: BaseException, timeout: float) -> str:
    if isinstance(error, NotImplementedError):
        return "Not started yet: the function still raises NotImplementedError."
    if isinstance(error, (AssertionError, CheckOverrun)) and str(error):
        message = str(error)
    elif isinstance(error, SandboxEnded):
        message = (
            f"Saw: the process running your code ended during this check: {error}.\n"
            "Expected: your function to return or raise, and the process to go on.\n"
            "Likely mistake: sys.exit(), os._exit() or a crash of the interpreter in your code; or it used more "
            "memory, files or processes than the grader allows."
        )
    elif flaky := _flaky_failure(error):
        message = flaky
    elif type(error).__name__ == "Failed" and "Timeout" in str(error):
        message = (
            f"Saw: this check still running after {timeout:g} s, so it was stopped.\n"
            "Expected: the function to finish well within that.\n"
            "Likely mistake: waiting for something that never happens (a task never awaited or never "
            "finished, a future never set), or a loop that never ends."
        )
    else:
        where = getattr(error, "remote_where", None)
        message = f"Your code raised {describe_error(error)}" + (f" ({where})" if where else "")
        message += ", which this check did not expect."
    for note in getattr(error, "__notes__", ()):
        if note.startswith(("Falsifying", "Failing")):  # hypothesis: the input that fails
            arguments = [line.strip() for line in note.splitlines()[1:-1] if not line.strip().startswith("kata=")]
            message += "\nThe input that showed it: " + " ".join(arguments).rstrip(",")
    return "\n".join(counted([line for line in message.splitlines() if line.strip()]))  # one line per fact


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    # No garbage collection while pytest builds the report: an object collected then may warn, and the warning's
    # formatting runs ast.parse inside pytest's own ast.parse of the failing source, which stops the whole run on
    # Python 3.11 ("AST constructor recursion depth mismatch").
    gc.disable()
    try:
        outcome = yield
    finally:
        gc.enable()
    if outcome.failed and call.excinfo is not None:
        error = call.excinfo.value
        marker = item.get_closest_marker("timeout")
        timeout = marker.args[0] if marker and marker.args else item.config.getini("timeout")
        message = _message(error, float(timeout or 0))
        sandbox = _judge.sandbox if _judge is not None else None
        printed = sandbox.take_printed().strip() if sandbox is not None else ""
        if printed and not isinstance(error, NotImplementedError):
            shown = printed if len(printed) <= PRINTED_SHOWN else printed[:PRINTED_SHOWN] + " …"
            message += "\nYour code printed:\n" + "\n".join("    " + line for line in shown.splitlines())
        outcome.kata_failure = {"message": message, "not_implemented": isinstance(error, NotImplementedError)}
    elif call.when == "call":
        sandbox = _judge.sandbox if _judge is not None else None
        if sandbox is not None:
            sandbox.take_printed()  # what a passing check printed is not shown under the next one
    return outcome


_results: dict[str, dict] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """A check passes when its setup, call and teardown all passed; the first failure is its message."""
    result = _results.setdefault(report.nodeid, {"passed": True})
    if result["passed"] and not report.passed:
        result.update(passed=False, **getattr(report, "kata_failure", {"message": "This check was skipped."}))
    if report.when == "teardown":
        write_report(check=_check_name(report.nodeid), **result)


def _flaky_failure(error: BaseException) -> str | None:
    """hypothesis's FlakyFailure (an input failed a check, then passed when run again): the check's own message,
    said to depend on chance, rather than "your code raised FlakyFailure"."""
    if type(error).__name__ != "FlakyFailure" or not isinstance(error, BaseExceptionGroup):
        return None
    failure = next((inner for inner in error.exceptions if isinstance(inner, AssertionError) and str(inner)), None)
    if failure is None:
        return None
    return (
        f"{failure}\nThis did not happen every time the same input ran: the outcome depends on something the "
        "code does not control (the order of a set, such as the done set of asyncio.wait, or a race)."
    )
