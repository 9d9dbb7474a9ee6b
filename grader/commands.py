"""The learner's small commands: hint, list, reset, solution."""

from datetime import datetime

from rich import box
from rich.console import Console
from rich.prompt import Confirm
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from . import progress as progress_file
from . import stubs
from .curriculum import EXERCISES, SOLUTIONS, Kata
from .report import STATUS_STYLE
from .results import PASSED


def load_progress(console: Console) -> progress_file.Progress:
    """The learner's progress, saying so when the file was unreadable and had to be rebuilt."""
    progress = progress_file.load()
    if progress.notice:
        console.print(Text(f"Warning: {progress.notice}", style="yellow"))
    return progress


def hint(console: Console, kata: Kata) -> int:
    """One more hint each time, up to the last; the ones already shown are shown again above it."""
    progress = load_progress(console)
    entry = progress.kata(kata.name)
    if not kata.hints:
        console.print(f"{kata.name} has no hints.")
        return 0
    entry.hints_shown = min(entry.hints_shown + 1, len(kata.hints))
    progress_file.save(progress)
    console.print(Text(f"{kata.number}. {kata.title}", style="bold"))
    for number, text in enumerate(kata.hints[: entry.hints_shown], start=1):
        console.print(Text.assemble((f"Hint {number} of {len(kata.hints)}: ", "bold cyan"), text))
    if entry.hints_shown < len(kata.hints):
        console.print(Text(f"Ask again for the next one: python -m grader hint {kata.name}", style="dim"))
    else:
        console.print(Text("That was the last hint.", style="dim"))
    return 0


def current(katas: list[Kata], progress: progress_file.Progress) -> Kata | None:
    """The first kata not yet passed: the one to work on."""
    return next((kata for kata in katas if progress.kata(kata.name).status != PASSED), None)


def curriculum_list(console: Console, katas: list[Kata]) -> int:
    """The curriculum by chapter, with each kata's status and best points from past grading runs."""
    progress = load_progress(console)
    now = current(katas, progress)
    for chapter in dict.fromkeys(kata.chapter for kata in katas):
        table = Table(
            title=chapter,
            title_justify="left",
            title_style="bold",
            box=box.SIMPLE_HEAD,
            show_edge=False,
            padding=(0, 1, 0, 0),
        )
        for column in ("", "#", "kata", "title", "status", "best"):
            table.add_column(column, justify="right" if column in ("#", "best") else "left")
        for kata in (kata for kata in katas if kata.chapter == chapter):
            entry = progress.kata(kata.name)
            label, style = STATUS_STYLE.get(entry.status, ("not graded", "dim"))
            table.add_row(
                "→" if kata is now else "",
                str(kata.number),
                kata.name,
                kata.title,
                Text(label, style=style),
                f"{entry.best_score:g}/{kata.points}",
            )
        console.print(table)
    console.print(Text("Statuses are from your last grading run: python -m grader grades again.", style="dim"))
    return 0


def reset(console: Console, kata: Kata, *, yes: bool) -> int:
    """Put the original stub back, keeping the learner's version beside it: their work is never lost."""
    path = EXERCISES / f"{kata.name}.py"
    try:
        stub = stubs.original(kata)
    except stubs.StubNotFound as error:
        console.print(f"Cannot reset {kata.name}: {error}.")
        return 1
    current_source = path.read_text(encoding="utf-8") if path.exists() else None
    if current_source == stub:
        console.print(f"{path.relative_to(EXERCISES.parent)} is already the original stub.")
        return 0
    backup = path.with_name(f"{path.name}.{datetime.now():%Y%m%d-%H%M%S}.bak")
    shown = path.relative_to(EXERCISES.parent)
    if current_source is not None and not yes:
        question = f"Replace {shown} with the original stub? Your version is kept as {backup.name}"
        if not Confirm.ask(question, console=console, default=False):
            console.print("Nothing changed.")
            return 1
    if current_source is not None:
        backup.write_text(current_source, encoding="utf-8")
    path.write_text(stub, encoding="utf-8")
    console.print(f"{shown} is the original stub again." + (f" Your version: {backup.name}" if current_source else ""))
    return 0


def solution(console: Console, kata: Kata) -> int:
    """The reference solution, once the kata has been passed."""
    path = SOLUTIONS / f"{kata.name}.py"
    if load_progress(console).kata(kata.name).first_passed is None:
        console.print(
            f"Pass {kata.name} first: its reference solution unlocks then. Stuck? python -m grader hint {kata.name}"
        )
        return 1
    if not path.exists():
        console.print("This copy of the katas has no reference solutions: ask your instructor.")
        return 1
    console.print(Syntax(path.read_text(encoding="utf-8"), "python", line_numbers=True))
    return 0
