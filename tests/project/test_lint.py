"""The code is linted and formatted as pyproject.toml configures ruff."""

import subprocess
import sys

from here import WORKSPACE

FOLDERS = ("grader", "tests", "exercises", "solutions")


def test_ruff_finds_nothing():
    for command in (["check"], ["format", "--check"]):
        finished = subprocess.run(
            [sys.executable, "-m", "ruff", *command, *FOLDERS], cwd=WORKSPACE.root, capture_output=True, text=True
        )
        assert finished.returncode == 0, finished.stdout + finished.stderr
