"""`python -m grader`: grade the katas and show the score."""

import argparse
import os
from contextlib import nullcontext
from pathlib import Path

from rich.console import Console

from . import curriculum, report, runner
from .results import PASSED

USAGE_ERROR = 2


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m grader",
        description="Grade your asyncio katas: each kata's hidden suite runs against your code in exercises/.",
        epilog="Set KATA_TIME_SCALE (e.g. 3) on a slow machine to stretch every timing check and limit.",
    )
    parser.add_argument("katas", nargs="*", metavar="KATA", help="grade only these katas, showing every failing check")
    parser.add_argument("--target", type=Path, default=curriculum.EXERCISES,
                        help="folder holding the kata modules to grade (default: exercises/)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="report format (default: text)")
    parser.add_argument("--jobs", type=int, default=runner.JOBS,
                        help="katas graded at a time (default: the number of CPUs, at least 2)")
    parser.add_argument("--time-limit", type=_positive, default=runner.TIME_LIMIT, metavar="SECONDS",
                        help=f"hard limit for one kata's whole suite (default: {runner.TIME_LIMIT:g})")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    katas = curriculum.load()
    names = [kata.name for kata in katas]
    unknown = [name for name in args.katas if name not in names]
    if unknown:
        parser.error(f"no kata named {', '.join(unknown)}; the katas are: {', '.join(names)}")
    if not args.target.is_dir():
        parser.error(f"--target {args.target}: no such folder")
    try:
        scale = _positive(os.environ.get("KATA_TIME_SCALE", "1"))
    except (ValueError, argparse.ArgumentTypeError) as error:
        parser.error(f"KATA_TIME_SCALE: {error}")
    chosen = [kata for kata in katas if not args.katas or kata.name in args.katas]

    console = Console(highlight=False)
    with console.status(f"Grading {len(chosen)} kata(s)…") if args.format == "text" else nullcontext():
        results = runner.grade_all(chosen, args.target, jobs=args.jobs, time_limit=args.time_limit * scale)

    if args.format == "json":
        print(report.to_json(results, args.target.resolve()))
    else:
        report.show(console, results, args.target.resolve().name, whole_curriculum=not args.katas)
    return 0 if all(result.status == PASSED for result in results) else 1
