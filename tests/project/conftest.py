"""Helpers for the project's own tests: run the grader as a learner would, and read its JSON report."""

import json
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from here import WORKSPACE

from grader import curriculum, runner
from grader.verify import Soundness, check_soundness

pytest_plugins = ["pytester"]

ROOT = WORKSPACE.root


def _run_grader(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300
    )


def _grade_json(*args: str) -> tuple[int, dict]:
    finished = _run_grader(*args, "--format", "json")
    assert finished.stdout, f"the grader printed no report; stderr:\n{finished.stderr}"
    return finished.returncode, json.loads(finished.stdout)


@pytest.fixture(scope="session")
def run_grader():
    """`run_grader(*args)`: `python -m grader ARGS` from the repository's root, output captured."""
    return _run_grader


@pytest.fixture(scope="session")
def grade_json():
    """`grade_json(*args)`: (exit code, parsed report) of `python -m grader ARGS --format json`."""
    return _grade_json


@pytest.fixture(scope="session")
def katas() -> list[curriculum.Kata]:
    return curriculum.load()


@pytest.fixture
def learner_copy(tmp_path: Path) -> Path:
    """A learner's folder in which every kata is solved: tests then break one kata at a time."""
    target = tmp_path / "exercises"
    target.mkdir()
    for solution in WORKSPACE.solutions.glob("*.py"):
        (target / solution.name).write_text(solution.read_text())
    return target


VERIFYING = pytest.StashKey[Future]()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start verifying the banks of the katas whose soundness tests were selected (`-k NAME`: that one alone), in a
    thread of its own, as soon as the tests are known: the other tests run meanwhile."""
    names = {
        item.callspec.params["kata"].name
        for item in session.items
        if getattr(item, "originalname", "") == "test_kata_is_sound"
    }
    katas = [kata for kata in curriculum.load() if kata.name in names]
    if katas:
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="verifying-banks")
        options = runner.Options(WORKSPACE, WORKSPACE.tests)
        session.config.stash[VERIFYING] = pool.submit(check_soundness, katas, options, runs=1)
        pool.shutdown(wait=False)


@pytest.fixture(scope="session")
def banks(request) -> dict[str, Soundness]:
    """Each selected kata's soundness, once its verification (started at collection) has finished."""
    return {report.kata.name: report for report in request.config.stash[VERIFYING].result()}
