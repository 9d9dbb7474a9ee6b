"""Helpers for the project's own tests: run the grader as a learner would, and read its JSON report."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from here import WORKSPACE

from grader import curriculum

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
