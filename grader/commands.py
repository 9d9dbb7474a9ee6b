"""The learner's small commands: hint, list, reset, solution."""

import sys
from datetime import datetime

from rich.console import Console
from rich.prompt import Confirm
from rich.syntax import Syntax
from rich.text import Text

from . import progress as progress_file
from . import stubs
from .curriculum import Kata, Workspace
from .report import STATUS_STYLE, chapter_tables
from .results import Status


def load_progress(console: Console, workspace: Workspace) -> progress_file.Progress:
    """The learner's progress, saying so when the file was unreadable and had to be rebuilt."""
    progress = progress_file.load(workspace.progress_file)
    if progress.notice:
        console.print(Text(f"Warning: {progress.notice}", style="yellow"))
    return progress


def hint(console: Console, workspace: Workspace, kata: Kata, *, again: str | None = None) -> int:
    """One more hint each time, up to the last; the ones already shown are shown again above it. `again` says how
    to ask for the next one (watch mode has a key for it)."""
    progress = load_progress(console, workspace)
    entry = progress.kata(kata.name)
    if not kata.hints:
        console.print(f"{kata.name} has no hints.")
        return 0
    entry.hints_shown = min(entry.hints_shown + 1, len(kata.hints))
    progress_file.save(progress, workspace.progress_file)
    console.print(Text(f"{kata.number}. {kata.title}", style="bold"))
    for number, text in enumerate(kata.hints[: entry.hints_shown], start=1):
        console.print(Text.assemble((f"Hint {number} of {len(kata.hints)}: ", "bold cyan"), text))
    if entry.hints_shown < len(kata.hints):
        console.print(Text(f"Ask again for the next one: {again or f'python -m grader hint {kata.name}'}", style="dim"))
    else:
        console.print(Text("That was the last hint.", style="dim"))
    return 0


def current(katas: list[Kata], progress: progress_file.Progress) -> Kata | None:
    """The first kata not yet passed: the one to work on."""
    return next((kata for kata in katas if progress.kata(kata.name).status != Status.PASSED), None)


def curriculum_list(console: Console, workspace: Workspace, katas: list[Kata]) -> int:
    """The curriculum by chapter, with each kata's status and best points from past grading runs."""
    progress = load_progress(console, workspace)
    now = current(katas, progress)
    columns = [
        (header, {"justify": "right" if header in ("#", "best") else "left"})
        for header in ("", "#", "kata", "title", "status", "best")
    ]

    def row(kata: Kata) -> list:
        entry = progress.kata(kata.name)
        label, style = STATUS_STYLE.get(entry.status, ("not graded", "dim"))
        return [
            "→" if kata is now else "",
            str(kata.number),
            kata.name,
            kata.title,
            Text(label, style=style),
            f"{entry.best_score:g}/{kata.points}",
        ]

    console.print(chapter_tables(katas, columns, row))
    console.print(Text("Statuses are from your last grading run: python -m grader grades again.", style="dim"))
    return 0


def reset(console: Console, workspace: Workspace, kata: Kata, *, yes: bool) -> int:
    """Put the original stub back, keeping the learner's version beside it: their work is never lost."""
    path = workspace.exercises / f"{kata.name}.py"
    shown = path.relative_to(workspace.root)
    try:
        stub = stubs.original(workspace, kata)
    except stubs.StubNotFound as error:
        console.print(f"Cannot reset {kata.name}: {error}.")
        return 1
    current_source = path.read_text(encoding="utf-8") if path.exists() else None
    if current_source == stub:
        console.print(f"{shown} is already the original stub.")
        return 0
    backup = path.with_name(f"{path.name}.{datetime.now():%Y%m%d-%H%M%S}.bak")
    if current_source is not None and not yes:
        question = f"Replace {shown} with the original stub? Your version is kept as {backup.name}"
        try:
            agreed = Confirm.ask(question, console=console, default=False)
        except EOFError:  # no one to answer (stdin closed or at its end): no is the answer
            console.print()
            agreed = False
        if not agreed:
            console.print("Nothing changed.")
            return 1
    if current_source is not None:
        backup.write_text(current_source, encoding="utf-8")
    path.write_text(stub, encoding="utf-8")
    console.print(f"{shown} is the original stub again." + (f" Your version: {backup.name}" if current_source else ""))
    return 0


def solution(console: Console, workspace: Workspace, kata: Kata) -> int:
    """The reference solution, once the kata has been passed: whole lines, never cut at the terminal's edge;
    the plain file when the output is not a terminal."""
    path = workspace.solutions / f"{kata.name}.py"
    if load_progress(console, workspace).kata(kata.name).first_passed is None:
        console.print(
            f"Pass {kata.name} first: its reference solution unlocks then. Stuck? python -m grader hint {kata.name}"
        )
        return 1
    if not path.exists():
        console.print("This copy of the katas has no reference solutions: ask your instructor.")
        return 1
    source = path.read_text(encoding="utf-8")
    if not console.is_terminal:
        console.file.flush()
        sys.stdout.write(source)
        return 0
    console.print(Syntax(source, "python", line_numbers=True, word_wrap=True))
    return 0
