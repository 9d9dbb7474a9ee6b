"""`verify`: for kata authors, proof that katas are sound. The reference solution passes every run, with CPU
load beside it if asked; the stub is "not started"; every other right solution (tests/right/KATA/*.py) passes;
every wrong one (tests/wrong/KATA/*.py) fails, with a failing check in the category its CAUGHT_IN names (only
that category's checks are run for it: whether the others pass says nothing about it being caught)."""

import ast
import multiprocessing
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from . import runner
from .curriculum import Kata
from .results import CATEGORIES, KataResult, Status

MIN_WRONG, MIN_RIGHT = 4, 2


def caught_in(path: Path) -> str:
    """The category a wrong solution must fail in: its module-level CAUGHT_IN."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and [getattr(target, "id", None) for target in node.targets] == ["CAUGHT_IN"]:
            category = ast.literal_eval(node.value)
            if category in CATEGORIES:
                return category
    raise ValueError(f"{path}: needs CAUGHT_IN = one of {', '.join(CATEGORIES)}")


def _category_or_none(path: Path) -> str | None:
    """Its CAUGHT_IN, or None when it has none (graded in full; `problems` then says what is missing)."""
    try:
        return caught_in(path)
    except ValueError:
        return None


@dataclass
class Soundness:
    kata: Kata
    runs: int
    reference: list[KataResult] = field(default_factory=list)
    stub: KataResult | None = None
    right: dict[Path, KataResult] = field(default_factory=dict)
    wrong: dict[Path, KataResult] = field(default_factory=dict)

    def problems(self) -> list[str]:
        found = [f"reference: {_why(result)}" for result in self.reference if result.status != Status.PASSED]
        if self.stub is not None and self.stub.status != Status.NOT_STARTED:
            found.append(f"stub is {self.stub.status}, not not_started: {_why(self.stub)}")
        if len(self.right) < MIN_RIGHT or len(self.wrong) < MIN_WRONG:
            found.append(
                f"banks too small: {len(self.right)} right (at least {MIN_RIGHT}), "
                f"{len(self.wrong)} wrong (at least {MIN_WRONG})"
            )
        found += [
            f"right/{path.name}: {_why(result)}"
            for path, result in self.right.items()
            if result.status != Status.PASSED
        ]
        found += [problem for path, result in self.wrong.items() if (problem := _not_caught(path, result))]
        return found

    def caught(self) -> int:
        return sum(_not_caught(path, result) is None for path, result in self.wrong.items())


def _not_caught(path: Path, result: KataResult) -> str | None:
    """Why a wrong solution does not count as caught, or None when it fails in its own category."""
    try:
        category = caught_in(path)
    except ValueError as error:
        return str(error)
    failing = sorted({check.category for check in result.failures})
    if result.status == Status.FAILED and category in failing:
        return None
    reason = f" ({result.reason})" if result.reason else ""
    return f"wrong/{path.name} not caught in {category}: {result.status}, failing in {failing or 'nothing'}{reason}"


def _why(result: KataResult) -> str:
    return result.reason or "; ".join(f"{check.name}: {check.message.splitlines()[0]}" for check in result.failures)


def _spin() -> None:
    while True:
        pass


@contextmanager
def busy_processes(count: int):
    """CPU load beside the grading: `count` processes spinning until the block ends."""
    processes = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(count)]
    for process in processes:
        process.start()
    try:
        yield
    finally:
        for process in processes:
            process.kill()
            process.join()


def check_soundness(katas: list[Kata], options: runner.Options, *, runs: int) -> list[Soundness]:
    """Grade everything verification needs, all katas' work in one pool."""
    reports = {kata.name: Soundness(kata, runs) for kata in katas}
    work = []  # (kata, target folder, where the result goes, the only category graded or None)
    with tempfile.TemporaryDirectory(prefix="kata-verify-") as scratch:
        for kata in katas:
            report = reports[kata.name]
            work += [(kata, options.workspace.solutions, report.reference.append, None) for _ in range(runs)]
            work.append((kata, options.workspace.exercises, partial(setattr, report, "stub"), None))
            for bank, into in (("right", report.right), ("wrong", report.wrong)):
                for path in sorted((options.tests / bank / kata.name).glob("*.py")):
                    target = Path(scratch) / bank / kata.name / path.stem
                    target.mkdir(parents=True)
                    (target / f"{kata.name}.py").write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
                    # A wrong solution is caught or not by its own category's checks: the others need not run.
                    only = _category_or_none(path) if bank == "wrong" else None
                    work.append((kata, target, partial(into.__setitem__, path), only))
        with ThreadPoolExecutor(max_workers=options.jobs) as pool:
            results = pool.map(lambda item: runner.grade(item[0], item[1], options, category=item[3]), work)
            for (_, _, deliver, _), result in zip(work, results, strict=False):
                deliver(result)
    return [reports[kata.name] for kata in katas]


def verify(console: Console, katas: list[Kata], options: runner.Options, *, runs: int, load: int) -> int:
    with console.status(
        f"Verifying {len(katas)} kata(s): the reference {runs} times"
        + (f", {load} busy processes beside" if load else "")
        + "…"
    ):
        with busy_processes(load):
            reports = check_soundness(katas, options, runs=runs)
    table = Table(title="Kata soundness", title_justify="left")
    for column in ("kata", "reference", "stub", "right", "wrong caught", "verdict"):
        table.add_column(column, no_wrap=True)
    for report in reports:
        problems = report.problems()
        passes = sum(result.status == Status.PASSED for result in report.reference)
        table.add_row(
            report.kata.name,
            f"{passes}/{report.runs}",
            report.stub.status.replace("_", " ") if report.stub else "-",
            f"{sum(result.status == Status.PASSED for result in report.right.values())}/{len(report.right)}",
            f"{report.caught()}/{len(report.wrong)}",
            Text("sound", style="green") if not problems else Text(f"{len(problems)} problem(s)", style="red"),
        )
    console.print(table)
    for report in reports:
        for problem in report.problems():
            console.print(Text(f"{report.kata.name}: {problem}", style="red"))
    return 0 if not any(report.problems() for report in reports) else 1
