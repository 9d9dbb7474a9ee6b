"""`grade`: grade the chosen katas (each row of the scoreboard shows as its result arrives, on a terminal),
remember the learner's progress, and report in the format asked for."""

from pathlib import Path
from time import perf_counter

from rich.console import Console
from rich.live import Live

from . import formats, progress, report, runner
from .commands import load_progress
from .curriculum import Kata
from .results import KataResult, Status


def grade_and_report(
    context, chosen: list[Kata], target: Path, options: runner.Options, *, fmt: str, output: Path | None, whole: bool
) -> int:
    started = perf_counter()
    results = _grade(context.console, chosen, target, options, live=fmt == "text" and output is None)
    seconds = perf_counter() - started
    history = None
    if target.resolve() == context.workspace.exercises.resolve():  # the learner's own work: remember it
        history = record(context.console, context.workspace, results, whole_curriculum=whole)
    if fmt == "text":
        if output is None:
            report.show(context.console, results, target.resolve().name, whole_curriculum=whole, progress=history)
        else:
            with output.open("w", encoding="utf-8") as stream:
                report.show(report.make_console(stream), results, target.resolve().name, whole_curriculum=whole)
    else:
        text = {
            "json": lambda: formats.to_json(results, target.resolve()),
            "gradescope": lambda: formats.to_gradescope(results, seconds),
            "junit": lambda: formats.to_junit(results, seconds),
        }[fmt]()
        if output is None:
            print(text)
        else:
            output.write_text(text + "\n", encoding="utf-8")
    return 0 if all(result.status == Status.PASSED for result in results) else 1


def record(console: Console, workspace, results: list[KataResult], *, whole_curriculum: bool) -> progress.Progress:
    """Remember the results in the learner's progress.json; the progress as it now is."""
    state = load_progress(console, workspace)
    state.record(results, whole_curriculum=whole_curriculum)
    progress.save(state, workspace.progress_file)
    return state


def _grade(console: Console, chosen: list[Kata], target: Path, options: runner.Options, *, live: bool) -> list:
    if not live or not console.is_terminal:
        return runner.grade_all(chosen, target, options)
    arrived: dict[str, KataResult] = {}
    with Live(report.scoreboard(chosen, arrived), console=console, refresh_per_second=8, transient=True) as shown:

        def arrive(result: KataResult) -> None:
            arrived[result.kata.name] = result
            shown.update(report.scoreboard(chosen, arrived))

        return runner.grade_all(chosen, target, options, on_result=arrive)
