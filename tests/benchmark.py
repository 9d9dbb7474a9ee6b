"""Benchmark: grade the whole curriculum against solutions/ and report where the time goes.

    python tests/benchmark.py [KATA ...] [--runs N] [--load N]

Prints each kata's own time (its subprocess, start to report), the sum of those, and the wall time of the
whole run: parallel grading should bring the wall time well under the sum. With --load N, N busy processes
run beside it (the loaded 2-core laptop every timing check must survive); every run must still score full marks.
"""

import argparse
import multiprocessing
import statistics
import time

from grader import curriculum, runner


def _spin() -> None:
    while True:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("katas", nargs="*", metavar="KATA", help="only these katas (default: all)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--load", type=int, default=0, help="busy processes running beside the grader")
    args = parser.parse_args()
    katas = [kata for kata in curriculum.load() if not args.katas or kata.name in args.katas]
    jobs = runner.JOBS
    busy = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(args.load)]
    for process in busy:
        process.start()
    walls, own = [], {kata.name: [] for kata in katas}
    failures = 0
    try:
        for _ in range(args.runs):
            started = time.perf_counter()
            results = runner.grade_all(katas, curriculum.SOLUTIONS, jobs=jobs)
            walls.append(time.perf_counter() - started)
            failures += sum(result.status != "passed" for result in results)
            for result in results:
                own[result.kata.name].append(result.seconds)
    finally:
        for process in busy:
            process.kill()
    print(f"{len(katas)} katas, {args.runs} runs, {jobs} at a time, {args.load} busy processes beside")
    for name, seconds in own.items():
        print(f"  {name:<20} median {statistics.median(seconds):.2f} s, max {max(seconds):.2f} s")
    total = [sum(times[i] for times in own.values()) for i in range(args.runs)]
    print(f"sum of the katas' own times: median {statistics.median(total):.2f} s")
    print(f"wall time of the whole run:  median {statistics.median(walls):.2f} s, max {max(walls):.2f} s")
    print(f"katas not passing: {failures} of {len(katas) * args.runs}")
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
