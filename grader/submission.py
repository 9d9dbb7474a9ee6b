"""A Gradescope submission's katas: which were submitted, and a "not submitted" result for each of the others,
so a kata file missing from a submission says so with 0 points instead of failing to import.

`grader/gradescope/run_autograder` grades only the katas whose file is in the submission and completes the
report with the others:

    python -m grader.submission present TARGET             # the names of the katas with a file in TARGET
    python -m grader.submission complete RESULTS TARGET    # RESULTS (Gradescope's JSON) gets the missing ones
"""

import json
import sys
from pathlib import Path

from .curriculum import Kata, Workspace, load


def submitted(katas: list[Kata], target: Path) -> list[Kata]:
    """The katas whose file is in the submitted folder, in curriculum order."""
    return [kata for kata in katas if (target / f"{kata.name}.py").is_file()]


def not_submitted(kata: Kata) -> dict:
    """Gradescope's test for a kata whose file the submission does not have: failed, 0 of its points."""
    return {
        "name": f"{kata.number}. {kata.title}",
        "score": 0,
        "max_score": kata.points,
        "status": "failed",
        "output": (
            f"Not submitted: exercises/{kata.name}.py was not in your submission, so this kata earns 0 of its "
            f"{kata.points} points. Submit the file (or the whole repository) to have it graded."
        ),
        "tags": [kata.name],
        "visibility": "visible",
    }


def complete(results: dict, katas: list[Kata], target: Path) -> dict:
    """Gradescope's results with a "not submitted" test for every kata whose file is missing from `target`,
    the tests in curriculum order, and the submission's counts in the summary."""
    present = {kata.name for kata in submitted(katas, target)}
    missing = [kata for kata in katas if kata.name not in present]
    order = {kata.name: kata.number for kata in katas}
    tests = [*results.get("tests", []), *(not_submitted(kata) for kata in missing)]
    tests.sort(key=lambda test: order.get((test.get("tags") or [""])[0], len(order) + 1))
    summary = results.get("output", "")
    if missing:
        names = ", ".join(kata.name for kata in missing)
        summary = f"{summary} Not submitted ({len(missing)} of {len(katas)} katas): {names}.".strip()
    return {**results, "score": round(sum(test["score"] for test in tests), 2), "output": summary, "tests": tests}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    katas = load(Workspace.find().manifest)
    if len(argv) == 2 and argv[0] == "present":
        print(" ".join(kata.name for kata in submitted(katas, Path(argv[1]))))
        return 0
    if len(argv) == 3 and argv[0] == "complete":
        path = Path(argv[1])
        results = json.loads(path.read_text(encoding="utf-8"))  # a grading that wrote nothing stays an error
        path.write_text(json.dumps(complete(results, katas, Path(argv[2])), indent=2), encoding="utf-8")
        return 0
    print("usage: python -m grader.submission present TARGET | complete RESULTS TARGET", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
