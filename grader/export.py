"""`export DEST`: a learner's copy of the repository, to hand out: the original stubs (also kept in .stubs/, for
`reset`, since a handout has no git history), the grader, the manifest, a learner's README and the hidden suites
(or, with --without-tests, not even those); never the reference solutions, the project's own tests or the
solution banks, and never the instructor's own work in exercises/."""

import re
import shutil
from pathlib import Path

from rich.console import Console
from rich.text import Text

from . import stubs
from .curriculum import Kata, Workspace

COPIED = ("grader", "pyproject.toml", ".gitignore", ".github")
SUITES = ("katas", "harness")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "progress.json*", "*.bak")
# README's parts for authors and instructors (verify, --target solutions, the project's tests) name files a
# handout does not have: they sit between these markers and are left out of the learner's README.
FOR_AUTHORS = re.compile(r"<!-- authors -->.*?<!-- /authors -->\n?", re.DOTALL)


def learners_readme(text: str) -> str:
    return FOR_AUTHORS.sub("", text)


def export(console: Console, workspace: Workspace, katas: list[Kata], destination: Path, *, with_tests: bool) -> int:
    if destination.exists() and any(destination.iterdir()):
        console.print(f"{destination} is not empty: export writes a fresh copy into a new or empty folder.")
        return 1
    try:
        originals = {kata.name: stubs.original(workspace, kata) for kata in katas}
    except stubs.StubNotFound as error:
        console.print(f"Cannot export: {error}.")
        return 1
    destination.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source = workspace.root / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=IGNORED)
        elif source.exists():
            shutil.copy2(source, destination / name)
    readme = workspace.root / "README.md"
    if readme.exists():
        (destination / "README.md").write_text(learners_readme(readme.read_text(encoding="utf-8")), encoding="utf-8")
    changed = []
    for folder in (destination / "exercises", destination / ".stubs"):
        folder.mkdir()
    for name, source in originals.items():
        for folder in ("exercises", ".stubs"):
            (destination / folder / f"{name}.py").write_text(source, encoding="utf-8")
        mine = workspace.exercises / f"{name}.py"
        if not mine.exists() or mine.read_text(encoding="utf-8") != source:
            changed.append(name)
    if with_tests:
        for name in SUITES:
            shutil.copytree(workspace.tests / name, destination / "tests" / name, ignore=IGNORED)
    if changed:
        console.print(
            Text(
                f"Note: {len(changed)} file(s) in your exercises/ differ from the original stubs "
                f"({', '.join(changed)}): the copy has the original stubs, not your versions.",
                style="yellow",
            )
        )
    console.print(
        f"Wrote a learner's copy to {destination}"
        + ("" if with_tests else ", without the hidden suites (grade them with --tests PATH)")
        + ". Learners start there with the commands in its README."
    )
    return 0
