"""`python -m grader`: grade the katas, and the learner's and the instructor's other commands. One handler per
subcommand; each gets the parsed arguments and a Context (the workspace, the katas, the console)."""

import argparse
import difflib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from . import commands, curriculum, runner, scaffold
from .curriculum import Kata, NoWorkspace, Workspace
from .report import make_console


@dataclass
class Context:
    workspace: Workspace
    katas: list[Kata]
    console: Console


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def _options(context: Context, args: argparse.Namespace) -> runner.Options:
    scale = os.environ.get("KATA_TIME_SCALE", "1")
    try:
        factor = _positive(scale)
    except (ValueError, argparse.ArgumentTypeError) as error:
        raise UsageError(f"KATA_TIME_SCALE: {error}") from None
    return runner.Options(
        workspace=context.workspace,
        tests=args.tests or context.workspace.tests,
        jobs=args.jobs,
        time_limit=args.time_limit * factor,
    )


class UsageError(Exception):
    """A mistyped command, kata or option: said with what was meant, exit code 2."""


def _chosen(context: Context, names: list[str]) -> list[Kata]:
    known = {kata.name for kata in context.katas}
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            raise UsageError(
                f"no kata named {name!r}"
                + (f": did you mean {close[0]!r}?" if close else f"; the katas are: {', '.join(sorted(known))}")
            )
    return [kata for kata in context.katas if kata.name in names]


def _one_kata(context: Context, name: str | None) -> Kata | None:
    """The kata named, else the current one (the first not yet passed)."""
    if name is not None:
        return _chosen(context, [name])[0]
    return commands.current(context.katas, commands.load_progress(context.console, context.workspace))


# handlers


def grade(context: Context, args: argparse.Namespace) -> int:
    from .grading import grade_and_report

    target = args.target or context.workspace.exercises
    if not target.is_dir():
        raise UsageError(f"--target {target}: no such folder")
    chosen = _chosen(context, args.katas) or context.katas
    return grade_and_report(
        context, chosen, target, _options(context, args), fmt=args.format, output=args.output, whole=not args.katas
    )


def watch(context: Context, args: argparse.Namespace) -> int:
    from .session import watch as run_watch

    start = _chosen(context, [args.kata])[0] if args.kata else None
    return run_watch(context, _options(context, args), start=start, poll=args.poll)


def hint(context: Context, args: argparse.Namespace) -> int:
    kata = _one_kata(context, args.kata)
    if kata is None:
        context.console.print("Every kata passes: no hint needed.")
        return 0
    return commands.hint(context.console, context.workspace, kata)


def solution(context: Context, args: argparse.Namespace) -> int:
    kata = _one_kata(context, args.kata)
    if kata is None:
        raise UsageError("every kata passes: name the one whose solution you want (python -m grader solution KATA)")
    return commands.solution(context.console, context.workspace, kata)


def listing(context: Context, args: argparse.Namespace) -> int:
    return commands.curriculum_list(context.console, context.workspace, context.katas)


def reset(context: Context, args: argparse.Namespace) -> int:
    return commands.reset(context.console, context.workspace, _chosen(context, [args.kata])[0], yes=args.yes)


def export(context: Context, args: argparse.Namespace) -> int:
    from .export import export as run_export

    return run_export(
        context.console, context.workspace, context.katas, args.destination, with_tests=not args.without_tests
    )


def verify(context: Context, args: argparse.Namespace) -> int:
    from .verify import verify as run_verify

    chosen = _chosen(context, args.katas) or context.katas
    return run_verify(context.console, chosen, _options(context, args), runs=args.runs, load=args.load)


def new(context: Context, args: argparse.Namespace) -> int:
    return scaffold.run(args, context.workspace.root)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m grader",
        description="Grade your asyncio katas: each kata's hidden suite runs against your code in exercises/. "
        "With no command, grades (python -m grader [KATA ...] is python -m grader grade [KATA ...]).",
        epilog="Set KATA_TIME_SCALE (e.g. 3) on a slow machine to stretch every timing check and limit. "
        "NO_COLOR turns colour off. KATAS_ROOT names the copy of the katas when not run from inside it.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    parser.set_defaults(commands=subparsers.choices)

    def command(name: str, handler: Callable, text: str) -> argparse.ArgumentParser:
        sub = subparsers.add_parser(name, help=text, description=text)
        sub.set_defaults(handler=handler)
        return sub

    sub = command("grade", grade, "grade katas (the default command)")
    sub.add_argument("katas", nargs="*", metavar="KATA", help="grade only these katas, showing every failing check")
    sub.add_argument("--target", type=Path, help="folder holding the kata modules to grade (default: exercises/)")
    sub.add_argument("--format", choices=("text", "json", "gradescope", "junit"), default="text", help="report format")
    sub.add_argument("--output", type=Path, metavar="FILE", help="write the report to FILE instead of stdout")
    _suite_options(sub)

    sub = command("watch", watch, "grade the current kata (or KATA) again every time a file is saved")
    sub.add_argument("kata", nargs="?", metavar="KATA", help="start with this kata (default: the first not passed)")
    sub.add_argument(
        "--poll", action="store_true", help="poll for changes instead of file-system events (network drives, VMs)"
    )
    _suite_options(sub)

    for name, handler, text in (
        ("hint", hint, "show the next hint of a kata (default: the current one)"),
        ("solution", solution, "show a passed kata's reference solution (default: the current one)"),
    ):
        command(name, handler, text).add_argument("kata", nargs="?", metavar="KATA")
    command("list", listing, "the curriculum by chapter, with status and points")
    sub = command("reset", reset, "restore a kata's original stub (your version is kept beside it)")
    sub.add_argument("kata", metavar="KATA")
    sub.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    sub = command("export", export, "write a learner's copy of the repository (no solutions/)")
    sub.add_argument("destination", type=Path, metavar="DEST")
    sub.add_argument("--without-tests", action="store_true", help="leave the hidden suites out too")

    scaffold.add_arguments(command("new", new, "for kata authors: scaffold a new kata (manifest entry and files)"))

    sub = command("verify", verify, "for kata authors: prove katas sound (reference, stub, banks)")
    sub.add_argument("katas", nargs="*", metavar="KATA", help="only these katas (default: all)")
    sub.add_argument("--runs", type=int, default=20, help="times the reference must pass in a row (default: 20)")
    sub.add_argument("--load", type=int, default=0, metavar="N", help="busy CPU processes beside it (default: 0)")
    _suite_options(sub)
    return parser


def _suite_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tests",
        type=Path,
        metavar="PATH",
        help="folder of the hidden suites (katas/, harness/), e.g. an instructor's copy kept outside the "
        "learner's (default: tests/)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=runner.JOBS,
        help="katas graded at a time (default: twice the number of CPUs plus one, at most 9)",
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
    parser = _parser()
    commands_known = set(parser.get_default("commands"))
    if not argv or (argv[0] not in commands_known and argv[0] not in ("-h", "--help")):
        argv.insert(0, "grade")  # `python -m grader [KATA ...]` grades
    args = parser.parse_args(argv)
    console = make_console()
    try:
        workspace = Workspace.find()
        context = Context(workspace, curriculum.load(workspace.manifest), console)
        return args.handler(context, args)
    except UsageError as error:
        mistyped = argv[1] if argv[0] == "grade" and len(argv) > 1 else None
        command = difflib.get_close_matches(mistyped or "", commands_known, n=1)
        if command and f"no kata named {mistyped!r}" in str(error) and "did you mean" not in str(error):
            parser.exit(
                2, f"{parser.prog}: error: no command or kata named {mistyped!r}: did you mean {command[0]!r}?\n"
            )
        parser.exit(2, f"{parser.prog}: error: {error}\n")
    except NoWorkspace as error:
        parser.exit(2, f"{parser.prog}: error: {error}\n")
    finally:
        console.file.flush()
