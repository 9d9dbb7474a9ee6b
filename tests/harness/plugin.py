"""The pytest plugin the grader loads into every kata run (`-p harness.plugin`).

It gives suites the learner's module (fixture `kata`), pins hypothesis, checks every test has one category,
and writes the report the grader reads: the checks it expects (before any learner code runs), then one line
per finished check. Lines are JSON, appended to the file named by KATA_REPORT.
"""

import gc
import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

from . import learner
from .checks import CheckOverrun, describe_error, start_check_budget

CATEGORIES = ("correctness", "concurrency", "timeout", "exceptions")

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

_module = None
# Taken out of the environment before any learner code runs: the report is the grader's, not theirs.
_report_path = os.environ.pop("KATA_REPORT", None)


def _report(**line) -> None:
    if _report_path:
        with open(_report_path, "a", encoding="utf-8") as report:
            report.write(json.dumps(line) + "\n")


def _kata_name(item: pytest.Item) -> str:
    return Path(item.fspath).stem.removeprefix("test_")


def _check_name(nodeid: str) -> str:
    return nodeid.split("::")[-1].removeprefix("test_")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        marks = [mark.args for mark in item.iter_markers("category")]
        if len(marks) != 1 or len(marks[0]) != 1 or marks[0][0] not in CATEGORIES:
            raise pytest.UsageError(
                f"{item.nodeid}: a check needs one @pytest.mark.category(NAME), NAME in {CATEGORIES}"
            )
        item.category = marks[0][0]


def pytest_collection_finish(session: pytest.Session) -> None:
    _report(
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
    """Import the learner's module once, before any check runs: if it does not import, say why and run nothing."""
    global _module
    names = {_kata_name(item) for item in session.items}
    if len(names) != 1:
        raise pytest.UsageError(f"a kata run grades one kata's suite, got {sorted(names)}")
    (name,) = names
    try:
        _module = learner.load(name)
    except BaseException as error:  # SyntaxError, ImportError, SystemExit, NotImplementedError at import ...
        where = learner.location(error.__traceback__)
        if isinstance(error, SyntaxError) and error.filename:
            where = f"{learner.shown(error.filename)}, line {error.lineno}"
        detail = describe_error(error)
        _report(
            import_error=f"{learner.shown(learner.module_path(name))} does not import: {detail}"
            + (f" ({where})" if where else "")
        )
        return True
    return None


@pytest.fixture
def kata():
    """The learner's module for this suite's kata."""
    return _module


@pytest.fixture(autouse=True)
def _check_budget():
    start_check_budget()


def _never_awaited(error: BaseException | None) -> str | None:
    """The coroutine named by a 'coroutine ... was never awaited' warning: pytest reports it as an unraisable
    exception warning caused by the RuntimeWarning, several of them in an exception group."""
    if error is None:
        return None
    if found := re.search(r"coroutine '([^']+)' was never awaited", str(error)):
        return found.group(1)
    for inner in (error.__cause__, *getattr(error, "exceptions", ())):
        if name := _never_awaited(inner):
            return name
    return None


def _message(error: BaseException, timeout: float) -> str:
    if isinstance(error, NotImplementedError):
        return "Not started yet: the function still raises NotImplementedError."
    if isinstance(error, (AssertionError, CheckOverrun)) and str(error):
        message = str(error)
    elif flaky := _flaky_failure(error):
        message = flaky
    elif coroutine := _never_awaited(error):
        message = (
            f"Saw: a coroutine, {coroutine}(...), created but never awaited.\n"
            "Expected: every coroutine awaited (or wrapped in a task).\n"
            f"Likely mistake: calling {coroutine}(...) without `await` in front makes a coroutine and throws it "
            "away: nothing runs."
        )
    elif type(error).__name__ == "Failed" and "Timeout" in str(error):
        message = (
            f"Saw: this check still running after {timeout:g} s, so it was stopped.\n"
            "Expected: the function to finish well within that.\n"
            "Likely mistake: waiting for something that never happens (a task never awaited or never "
            "finished, a future never set), or a loop that never ends."
        )
    else:
        where = learner.location(error.__traceback__)
        message = f"Your code raised {describe_error(error)}" + (f" ({where})" if where else "")
        message += ", which this check did not expect."
    for note in getattr(error, "__notes__", ()):
        if note.startswith(("Falsifying", "Failing")):  # hypothesis: the input that fails
            arguments = [line.strip() for line in note.splitlines()[1:-1] if not line.strip().startswith("kata=")]
            message += "\nThe input that showed it: " + " ".join(arguments).rstrip(",")
    return message


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    # No garbage collection while pytest builds the report: collecting a task the learner's code left with an
    # unretrieved exception logs its traceback, whose formatting runs ast.parse; inside pytest's own ast.parse
    # of the failing source, Python 3.11 then stops the whole run ("AST constructor recursion depth mismatch").
    gc.disable()
    try:
        report = yield
    finally:
        gc.enable()
    if report.failed and call.excinfo is not None:
        error = call.excinfo.value
        marker = item.get_closest_marker("timeout")
        timeout = marker.args[0] if marker and marker.args else item.config.getini("timeout")
        report.kata_failure = {
            "message": _message(error, float(timeout)),
            "not_implemented": isinstance(error, NotImplementedError),
        }
    return report


_results: dict[str, dict] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """A check passes when its setup, call and teardown all passed; the first failure is its message."""
    result = _results.setdefault(report.nodeid, {"passed": True})
    if result["passed"] and not report.passed:
        result.update(passed=False, **getattr(report, "kata_failure", {"message": "This check was skipped."}))
    if report.when == "teardown":
        _report(check=_check_name(report.nodeid), **result)


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
