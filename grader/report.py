"""Showing grading results to people: the scoreboard, the total, what to do next (rich)."""

import io
import sys
from collections.abc import Callable
from datetime import datetime

from rich import box
from rich.console import Console, Group
from rich.padding import Padding
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from .curriculum import Kata
from .progress import Progress
from .results import CATEGORIES, KataResult, Status

DAYS_SHOWN = 7

STATUS_STYLE = {
    Status.PASSED: ("passed", "green"),
    Status.FAILED: ("failing", "red"),
    Status.NOT_STARTED: ("not started", "dim"),
    Status.ERROR: ("error", "magenta"),
}


def _points(value: float) -> str:
    return f"{value:g}"


def _category_mark(result: KataResult, category: str) -> Text:
    counts = result.categories().get(category)
    if counts is None:
        return Text("-", style="dim")
    passed, total = counts
    if result.status in (Status.NOT_STARTED, Status.ERROR):
        return Text(f"0/{total}", style="dim")
    return Text(f"{passed}/{total}", style="green" if passed == total else "red")


HEADERS = {
    "correctness": "correct-\nness",
    "concurrency": "concur-\nrency",
    "timeout": "time-\nout",
    "exceptions": "excep-\ntions",
}


def chapter_tables(katas: list[Kata], columns: list[tuple[str, dict]], row: Callable[[Kata], list]) -> Group:
    """One table per chapter, one row per kata: the scoreboard and the curriculum list alike."""
    tables = []
    for chapter in dict.fromkeys(kata.chapter for kata in katas):
        table = Table(
            title=chapter,
            title_justify="left",
            title_style="bold",
            box=box.SIMPLE_HEAD,
            padding=(0, 1, 0, 0),
            show_edge=False,
        )
        for header, options in columns:
            table.add_column(header, **options)
        for kata in katas:
            if kata.chapter == chapter:
                table.add_row(*row(kata))
        tables.append(table)
    return Group(*tables)


def scoreboard(katas: list[Kata], results: dict[str, KataResult]) -> Group:
    """Every kata's status, points and checks per category; a kata not graded yet shows as being graded. Equal
    column widths, so the chapters line up."""
    name_width = max(len(kata.name) for kata in katas)
    columns = [
        ("#", {"justify": "right", "min_width": 2}),
        ("kata", {"min_width": name_width, "no_wrap": True}),
        ("status", {"min_width": 11, "no_wrap": True}),
        ("points", {"justify": "right", "min_width": 7, "no_wrap": True}),
        *((HEADERS[category], {"justify": "center", "min_width": 8, "no_wrap": True}) for category in CATEGORIES),
    ]

    def row(kata: Kata) -> list:
        result = results.get(kata.name)
        if result is None:
            return [str(kata.number), kata.name, Text("grading…", style="dim"), f"-/{kata.points}"]
        label, style = STATUS_STYLE[result.status]
        return [
            str(kata.number),
            kata.name,
            Text(label, style=style),
            f"{_points(result.score)}/{kata.points}",
            *(_category_mark(result, category) for category in CATEGORIES),
        ]

    return chapter_tables(katas, columns, row)


def _bar(total: float, completed: float, width: int) -> Table:
    # A bare ProgressBar ends without a line break: whatever is printed next would follow it on its line.
    grid = Table.grid()
    grid.add_row(ProgressBar(total=total or 1, completed=completed, width=width))
    return grid


def total(results: list[KataResult]) -> Group:
    score = sum(result.score for result in results)
    maximum = sum(result.kata.points for result in results)
    passed = sum(result.status == Status.PASSED for result in results)
    return Group(
        Text(f"Score {_points(round(score, 2))} of {maximum} points, {passed} of {len(results)} katas passed"),
        _bar(maximum, score, 50),
    )


def problems(result: KataResult, target_name: str, *, first_only: bool = False, in_watch: bool = False) -> Group:
    """What is wrong with one kata, in the learner's words: the reason it could not be graded, or its failing
    checks (all of them, or the first). In watch mode, what to do next is to save the file."""
    kata = result.kata
    path = f"{target_name}/{kata.name}.py"
    heading = Text(f"{kata.number}. {kata.title}: {path}", style="bold")
    if result.status == Status.PASSED:
        return Group(heading, Text("All checks pass.", style="green"))
    if result.status == Status.NOT_STARTED:
        return Group(
            heading,
            Text(
                "Not started: read the docstring in that file, write your solution, then "
                + ("save it." if in_watch else f"run `python -m grader {kata.name}`.")
            ),
        )
    if result.status == Status.ERROR:
        return Group(heading, Text(f"Could not be graded: {result.reason}", style="magenta"))
    failures = result.failures[:1] if first_only else result.failures
    lines = [heading]
    for check in failures:
        lines.append(Text(f"✗ [{check.category}] {check.description or check.name}", style="red"))
        lines.append(Padding(Text(check.message), (0, 0, 0, 4)))
    if first_only and len(result.failures) > 1:
        lines.append(
            Text(
                f"… and {len(result.failures) - 1} more failing check(s): "
                f"`python -m grader {kata.name}` shows them all.",
                style="dim",
            )
        )
    return Group(*lines)


def history(progress: Progress) -> Group | None:
    """Progress over time: the best total of each of the last days the learner graded everything."""
    best_by_day: dict[str, dict] = {}
    for point in progress.history:
        day = datetime.fromisoformat(point["at"]).astimezone().strftime("%a %d %b")
        if day not in best_by_day or point["score"] >= best_by_day[day]["score"]:
            best_by_day[day] = point
    if len(progress.history) < 2:
        return None
    rows = [Text("Your progress:", style="bold")]
    for day, point in list(best_by_day.items())[-DAYS_SHOWN:]:
        row = Table.grid(padding=(0, 1))
        row.add_row(
            Text(day, style="dim"),
            ProgressBar(total=point["max_score"] or 1, completed=point["score"], width=20),
            Text(f"{_points(point['score'])} of {point['max_score']} points, {point['passed']} katas passed"),
        )
        rows.append(row)
    return Group(*rows)


def show(
    console: Console,
    results: list[KataResult],
    target_name: str,
    *,
    whole_curriculum: bool,
    progress: Progress | None = None,
) -> None:
    """The whole curriculum: scoreboard, total, progress over time and the next kata to work on.
    Chosen katas: every problem of each."""
    console.print(Text(f"asyncio katas, graded against {target_name}/", style="bold"))
    console.print(scoreboard([result.kata for result in results], {result.kata.name: result for result in results}))
    console.print(total(results))
    if progress is not None and whole_curriculum and (past := history(progress)) is not None:
        console.print(past)
    console.print()
    unfinished = [result for result in results if result.status != Status.PASSED]
    if whole_curriculum:
        if unfinished:
            console.print(Text("Next:", style="bold"), problems(unfinished[0], target_name, first_only=True))
        else:
            console.print(Text("Every kata passes. Well done!", style="bold green"))
    else:
        for result in results:
            console.print(problems(result, target_name))
            console.print()


class TrimmedLines(io.TextIOBase):
    """Output that is not a terminal (a pipe, a file) without the spaces rich pads table lines with."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        *lines, self.pending = (self.pending + text).split("\n")
        for line in lines:
            self.stream.write(line.rstrip() + "\n")
        return len(text)

    def flush(self) -> None:
        self.stream.write(self.pending)
        self.pending = ""
        self.stream.flush()


def make_console(stream=None) -> Console:
    """A terminal gets rich's colours and its width; a pipe or a file plain, trimmed lines, wide enough for tables."""
    console = Console(highlight=False, file=stream)
    if console.is_terminal:
        return console
    return Console(highlight=False, file=TrimmedLines(stream or sys.stdout), width=max(console.width, 120))
