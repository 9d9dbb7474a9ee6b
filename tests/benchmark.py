"""Benchmark: grade the curriculum against solutions/ and report where the time goes.

    python tests/benchmark.py [KATA ...] [--runs N] [--load N]

Prints, per kata, its own time when the whole curriculum is graded (its subprocess, start to report) and its
time in watch mode (the suite's process booted ahead, as watch keeps one ready); then the sum of the katas'
own times against the wall time of the whole run (parallel grading should bring the second well under the
first). With --load N, N busy processes run beside it (the loaded 2-core laptop every timing check must
survive): every run must still pass every kata.
"""

import argparse
import statistics
import time
from pathlib import Path

from grader import curriculum, runner
from grader.results import Status
from grader.verify import busy_processes

BOOT_WAIT = 1.0  # seconds a ready process is given to boot, as it has while the learner edits


def watch_mode(kata: curriculum.Kata, options: runner.Options):
    process = runner.SuiteProcess(options)
    time.sleep(BOOT_WAIT)
    return runner.grade(kata, options.workspace.solutions, options, process=process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("katas", nargs="*", metavar="KATA", help="only these katas (default: all)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--load", type=int, default=0, help="busy processes running beside the grader")
    args = parser.parse_args()
    workspace = curriculum.Workspace.find(Path(__file__).parent)
    options = runner.Options(workspace, workspace.tests)
    katas = [kata for kata in curriculum.load(workspace.manifest) if not args.katas or kata.name in args.katas]
    walls, own, watched = [], {kata.name: [] for kata in katas}, {kata.name: [] for kata in katas}
    failures = []
    with busy_processes(args.load):
        for _ in range(args.runs):
            started = time.perf_counter()
            results = runner.grade_all(katas, workspace.solutions, options)
            walls.append(time.perf_counter() - started)
            results += [watch_mode(kata, options) for kata in katas]
            failures += [result for result in results if result.status != Status.PASSED]
            for result in results[: len(katas)]:
                own[result.kata.name].append(result.seconds)
            for result in results[len(katas) :]:
                watched[result.kata.name].append(result.seconds)
    print(f"{len(katas)} katas, {args.runs} runs, {runner.JOBS} at a time, {args.load} busy processes beside")
    print(f"  {'kata':<20} {'own time (median, max)':<24} watch mode (median, max)")
    for name in own:
        print(
            f"  {name:<20} {statistics.median(own[name]):.2f} s, {max(own[name]):.2f} s"
            f"{'':<10} {statistics.median(watched[name]):.2f} s, {max(watched[name]):.2f} s"
        )
    total = [sum(times[i] for times in own.values()) for i in range(args.runs)]
    print(f"sum of the katas' own times: median {statistics.median(total):.2f} s")
    print(f"wall time of the whole run:  median {statistics.median(walls):.2f} s, max {max(walls):.2f} s")
    print(f"gradings not passing: {len(failures)} of {2 * len(katas) * args.runs}")
    for result in failures:
        why = result.reason or "; ".join(f"{check.name}: {check.message.splitlines()[0]}" for check in result.failures)
        print(f"  {result.kata.name}: {result.status}: {why}")
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
