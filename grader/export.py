"""`export DEST`: a learner's copy of the repository, to hand out: the stubs, the grader, the manifest, README
and the hidden suites (or, with --without-tests, not even those); never the reference solutions, nor the
project's own tests and solution banks."""

import shutil
from pathlib import Path

from rich.console import Console

from .curriculum import ROOT, TESTS

COPIED = ("exercises", "grader", "pyproject.toml", "README.md", ".gitignore", ".github")
SUITES = ("katas", "harness")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "progress.json*", "*.bak")


def export(console: Console, destination: Path, *, with_tests: bool) -> int:
    if destination.exists() and any(destination.iterdir()):
        console.print(f"{destination} is not empty: export writes a fresh copy into a new or empty folder.")
        return 1
    destination.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=IGNORED)
        elif source.exists():
            shutil.copy2(source, destination / name)
    if with_tests:
        for name in SUITES:
            shutil.copytree(TESTS / name, destination / "tests" / name, ignore=IGNORED)
    console.print(
        f"Wrote a learner's copy to {destination}"
        + ("" if with_tests else ", without the hidden suites (grade them with --tests PATH)")
        + ". Learners start there with the commands in its README."
    )
    return 0
