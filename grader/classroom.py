"""The GitHub Classroom workflow (.github/workflows/classroom.yml), made from the manifest so the two never
drift apart: one autograding step per kata, worth its points, passing when `python -m grader KATA` exits 0.

    python -m grader.classroom > .github/workflows/classroom.yml
"""

from .curriculum import Kata, load

HEADER = """\
# Made by `python -m grader.classroom` from grader/curriculum.toml: regenerate it, do not edit it.
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
        uses: classroom-resources/autograding-command-grader@v1
        with:
          test-name: "{number}. {title}"
          setup-command: ""
          command: python -m grader {name}
          timeout: 2
          max-score: {points}
"""

REPORTER = """\
      - name: Autograding Reporter
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
{env}
        with:
          runners: {runners}
"""


def step_id(kata: Kata) -> str:
    return kata.name.replace("_", "-")


def render(katas: list[Kata]) -> str:
    steps = "".join(
        STEP.format(number=kata.number, title=kata.title, step_id=step_id(kata), name=kata.name, points=kata.points)
        for kata in katas
    )
    # The reporter reads each runner's result from the variable named after its step id, upper-cased.
    env = "\n".join(
        f'          {step_id(kata).upper()}_RESULTS: "${{{{steps.{step_id(kata)}.outputs.result}}}}"' for kata in katas
    )
    return HEADER + steps + REPORTER.format(env=env, runners=",".join(step_id(kata) for kata in katas))


if __name__ == "__main__":
    print(render(load()), end="")
