"""`python -m grader`: grade the katas, and the learner's and the instructor's other commands."""

import argparse
import os
import sys
from contextlib import nullcontext
from functools import partial
from pathlib import Path
from time import perf_counter

from rich.console import Console

from . import commands, curriculum, formats, progress, report, runner

USAGE_ERROR = 2
COMMANDS = ("grade", "watch", "hint", "list", "reset", "solution", "export", "verify")


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m grader",
        description="Grade your asyncio katas: each kata's hidden suite runs against your code in exercises/. "
        "With no command, grades (python -m grader [KATA ...] is python -m grader grade [KATA ...]).",
        epilog="Set KATA_TIME_SCALE (e.g. 3) on a slow machine to stretch every timing check and limit. "
        "NO_COLOR turns colour off.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")

    grade = subparsers.add_parser("grade", help="grade katas (the default command)")
    grade.add_argument("katas", nargs="*", metavar="KATA", help="grade only these katas, showing every failing check")
    grade.add_argument(
        "--target",
        type=Path,
        default=curriculum.EXERCISES,
        help="folder holding the kata modules to grade (default: exercises/)",
    )
    grade.add_argument(
        "--format",
        choices=("text", "json", "gradescope", "junit"),
        default="text",
        help="report format (default: text)",
    )
    grade.add_argument("--output", type=Path, metavar="FILE", help="write the report to FILE instead of stdout")
    _suite_options(grade)

    watch = subparsers.add_parser("watch", help="grade the current kata again every time a file is saved")
    watch.add_argument(
        "--poll",
        action="store_true",
        help="poll for changes instead of file-system events (network drives, some containers)",
    )
    _suite_options(watch)

    for name, text in (
        ("hint", "show the next hint of a kata"),
        ("solution", "show a passed kata's reference solution"),
    ):
        subparsers.add_parser(name, help=text).add_argument("kata", metavar="KATA")
    subparsers.add_parser("list", help="the curriculum by chapter, with status and points")
    reset = subparsers.add_parser("reset", help="restore a kata's original stub (your version is kept beside it)")
    reset.add_argument("kata", metavar="KATA")
    reset.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    export = subparsers.add_parser("export", help="write a learner's copy of the repository (no solutions/)")
    export.add_argument("destination", type=Path, metavar="DEST")
    export.add_argument("--without-tests", action="store_true", help="leave the hidden suites out too")

    verify = subparsers.add_parser("verify", help="for kata authors: prove katas sound (reference, stub, banks)")
    verify.add_argument("katas", nargs="*", metavar="KATA", help="only these katas (default: all)")
    verify.add_argument("--runs", type=int, default=20, help="times the reference must pass in a row (default: 20)")
    verify.add_argument("--load", type=int, default=0, metavar="N", help="busy CPU processes beside it (default: 0)")
    _suite_options(verify)
    return parser


def _suite_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tests",
        type=Path,
        default=curriculum.TESTS,
        metavar="PATH",
        help="folder of the hidden suites (katas/, harness/), e.g. an instructor's copy "
        "kept outside the learner's (default: tests/)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=runner.JOBS,
        help="katas graded at a time (default: the number of CPUs plus one, at least 2)",
    )
    parser.add_argument(
        "--time-limit",
        type=_positive,
        default=runner.TIME_LIMIT,
        metavar="SECONDS",
        help=f"hard limit for one kata's whole suite (default: {runner.TIME_LIMIT:g})",
    )


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        argv.insert(0, "grade")
    parser = _parser()
    args = parser.parse_args(argv)
    katas = curriculum.load()
    by_name = {kata.name: kata for kata in katas}
    chosen_names = getattr(args, "katas", None) or ([args.kata] if hasattr(args, "kata") else [])
    unknown = [name for name in chosen_names if name not in by_name]
    if unknown:
        parser.error(f"no kata named {', '.join(unknown)}; the katas are: {', '.join(by_name)}")
    if hasattr(args, "time_limit"):
        try:
            args.time_limit *= _positive(os.environ.get("KATA_TIME_SCALE", "1"))
        except (ValueError, argparse.ArgumentTypeError) as error:
            parser.error(f"KATA_TIME_SCALE: {error}")
    if getattr(args, "target", None) is not None and not args.target.is_dir():
        parser.error(f"--target {args.target}: no such folder")
    chosen = [kata for kata in katas if kata.name in chosen_names] or katas

    console = Console(highlight=False)
    match args.command:
        case "grade":
            return grade(console, args, chosen, whole_curriculum=not chosen_names)
        case "watch":
            from .watch import watch

            return watch(console, katas, args)
        case "hint":
            return commands.hint(console, chosen[0])
        case "list":
            return commands.curriculum_list(console, katas)
        case "reset":
            return commands.reset(console, chosen[0], yes=args.yes)
        case "solution":
            return commands.solution(console, chosen[0])
        case "export":
            from .export import export

            return export(console, args.destination, with_tests=not args.without_tests)
        case "verify":
            from .verify import verify

            return verify(console, chosen, args)


def grade(console: Console, args: argparse.Namespace, chosen: list[curriculum.Kata], *, whole_curriculum: bool) -> int:
    started = perf_counter()
    showing = args.format == "text" and args.output is None
    with console.status(f"Grading {len(chosen)} kata(s)…") if showing else nullcontext():
        results = runner.grade_all(chosen, args.target, tests=args.tests, jobs=args.jobs, time_limit=args.time_limit)
    seconds = perf_counter() - started

    history = None
    if args.target.resolve() == curriculum.EXERCISES.resolve():  # the learner's own work: remember it
        state = commands.load_progress(console)
        state.record(results, whole_curriculum=whole_curriculum)
        progress.save(state)
        history = state

    if args.format == "text":
        show = partial(
            report.show,
            results=results,
            target_name=args.target.resolve().name,
            whole_curriculum=whole_curriculum,
            progress=history,
        )
        if args.output is None:
            show(console)
        else:
            with args.output.open("w", encoding="utf-8") as stream:
                show(Console(file=stream, width=100))
    else:
        text = {
            "json": lambda: formats.to_json(results, args.target.resolve()),
            "gradescope": lambda: formats.to_gradescope(results, seconds),
            "junit": lambda: formats.to_junit(results, seconds),
        }[args.format]()
        if args.output is None:
            print(text)
        else:
            args.output.write_text(text + "\n", encoding="utf-8")
    return 0 if all(result.status == "passed" for result in results) else 1
