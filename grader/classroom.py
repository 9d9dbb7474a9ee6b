"""The GitHub Classroom workflow (.github/workflows/classroom.yml), made from the manifest so the two never
drift apart, and what each of its steps runs.

One step per kata grades it with `python -m grader.classroom grade KATA`: it runs `python -m grader KATA
--format gradescope` and hands Classroom's reporter (classroom-resources/autograding-grading-reporter) one test
per check, each worth its share of the kata's points, as Gradescope gets them: partial credit, not all or
nothing. The reporter adds up the tests' scores against each step's `max_score`.

    python -m grader.classroom > .github/workflows/classroom.yml     # the workflow
    python -m grader.classroom grade KATA [GRADER OPTIONS]           # one kata's step, in the workflow
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .curriculum import Kata, Workspace, load

WORKFLOW = Path(".github") / "workflows" / "classroom.yml"
# A grading step gives up after this many seconds and reports the kata as not graded (the step itself has a
# limit a minute longer, so the reporter always finds a result).
GRADING_LIMIT = 240

HEADER = """\
# Made by `python -m grader.classroom` from grader/curriculum.toml: regenerate it, do not edit it.
# Each kata's step grades it and gives Classroom one test per check, worth its share of the kata's points.
name: Autograding Tests
on: [push, repository_dispatch]

permissions:
  checks: write
  actions: read
  contents: read

jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    steps:
      - name: Checkout code
        uses: actions/checkout@v4
      - name: Set up Python
        uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Install the grader
        run: python -m pip install -e .
"""

STEP = """\
      - name: "{number}. {title}"
        id: {step_id}
        timeout-minutes: {minutes}
        run: python -m grader.classroom grade {name}
"""

REPORTER = """\
      - name: Autograding Reporter
        if: always()
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
{env}
        with:
          runners: {runners}
"""


def step_id(kata: Kata) -> str:
    return kata.name.replace("_", "-")


def render(katas: list[Kata]) -> str:
    minutes = GRADING_LIMIT // 60 + 1
    steps = "".join(
        STEP.format(number=kata.number, title=kata.title, step_id=step_id(kata), name=kata.name, minutes=minutes)
        for kata in katas
    )
    # The reporter reads each runner's result from the variable named after its step id, upper-cased.
    env = "\n".join(
        f'          {step_id(kata).upper()}_RESULTS: "${{{{steps.{step_id(kata)}.outputs.result}}}}"' for kata in katas
    )
    return HEADER + steps + REPORTER.format(env=env, runners=",".join(step_id(kata) for kata in katas))


def write(root: Path) -> bool:
    """Regenerates root's workflow from root/grader/curriculum.toml; True if the file changed."""
    path = root / WORKFLOW
    text = render(load(root / "grader" / "curriculum.toml"))
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def _split(total: float, shares: list[float]) -> list[float]:
    """Shares rounded to cents whose sum is exactly `total` (rounded to cents): the last non-zero share takes
    the rounding, so a kata passed in full shows its points, not 9.99 of 10."""
    rounded = [round(share, 2) for share in shares]
    nonzero = [index for index, share in enumerate(rounded) if share]
    if nonzero:
        last = nonzero[-1]
        rounded[last] = round(round(total, 2) - sum(rounded[:last]) - sum(rounded[last + 1 :]), 2)
    return rounded


def runner_result(gradescope: dict, kata: Kata) -> dict:
    """One kata's tests from the grader's Gradescope report, as Classroom's reporter reads a runner's result:
    one test per check with its score, the kata's points as `max_score`."""
    tests = [test for test in gradescope.get("tests", []) if kata.name in test.get("tags", ())]
    if not tests:
        return error_result(kata, gradescope.get("output") or "the grader reported nothing for this kata")
    scores = _split(sum(test["score"] for test in tests), [test["score"] for test in tests])
    passed = all(test["status"] == "passed" for test in tests)
    return {
        "version": 1,
        "status": "pass" if passed else "fail",
        "max_score": kata.points,
        "tests": [
            {
                "name": test["name"],
                "status": "pass" if test["status"] == "passed" else "fail",
                "score": score,
                "message": test.get("output", ""),
                "line_no": 0,
                "test_code": f"python -m grader {kata.name}",
            }
            for test, score in zip(tests, scores, strict=True)
        ],
    }


def error_result(kata: Kata, reason: str) -> dict:
    """A kata that could not be graded: one failing test carrying its points and the reason."""
    return {
        "version": 1,
        "status": "error",
        "max_score": kata.points,
        "tests": [
            {
                "name": f"{kata.number}. {kata.title}",
                "status": "error",
                "score": 0,
                "message": reason,
                "line_no": 0,
                "test_code": f"python -m grader {kata.name}",
            }
        ],
    }


def encode(result: dict) -> str:
    """A runner's result as the reporter reads it from `steps.ID.outputs.result`: base64 of its JSON."""
    return base64.b64encode(json.dumps(result).encode("utf-8")).decode("ascii")


def grade(name: str, grader_options: list[str], katas: list[Kata]) -> dict:
    """Grades one kata through the grader's command line and returns the reporter's result for it; never
    raises for a grading that failed, hung or crashed: that is a result too."""
    by_name = {kata.name: kata for kata in katas}
    kata = by_name[name]
    with tempfile.TemporaryDirectory(prefix="kata-classroom-") as scratch:
        report = Path(scratch) / "results.json"
        command = [sys.executable, "-m", "grader", name, *grader_options, "--format", "gradescope"]
        try:
            finished = subprocess.run(
                [*command, "--output", str(report)], capture_output=True, text=True, timeout=GRADING_LIMIT
            )
        except subprocess.TimeoutExpired:
            return error_result(kata, f"grading took more than {GRADING_LIMIT} s: does the kata hang?")
        try:
            return runner_result(json.loads(report.read_text(encoding="utf-8")), kata)
        except (OSError, ValueError, KeyError):
            output = (finished.stderr or finished.stdout).strip()[-2000:]
            return error_result(kata, f"the grader stopped (exit status {finished.returncode}): {output}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    katas = load(Workspace.find().manifest)
    if not argv:
        print(render(katas), end="")
        return 0
    if argv[0] != "grade" or len(argv) < 2 or argv[1] not in {kata.name for kata in katas}:
        print("usage: python -m grader.classroom [grade KATA [GRADER OPTIONS]]", file=sys.stderr)
        return 2
    result = grade(argv[1], argv[2:], katas)
    for test in result["tests"]:
        print(f"{'passed' if test['status'] == 'pass' else 'FAILED'}  {test['score']:g}  {test['name']}")
        if test["status"] != "pass" and test["message"]:
            print("    " + test["message"].replace("\n", "\n    "))
    total = sum(test["score"] for test in result["tests"])
    print(f"{total:g} of {result['max_score']} points")
    # The step's output `result`, read by the reporter; outside GitHub Actions, nowhere to put it.
    if output := os.environ.get("GITHUB_OUTPUT"):
        with open(output, "a", encoding="utf-8") as stream:
            stream.write(f"result={encode(result)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
