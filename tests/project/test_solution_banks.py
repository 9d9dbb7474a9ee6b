"""The solution banks: other right solutions (tests/right/KATA/*.py) pass every check, and plausible wrong
ones (tests/wrong/KATA/*.py) are each caught, in their own category."""

import ast
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from grader import curriculum, runner
from grader.results import CATEGORIES, FAILED, KataResult

WRONG_BANK = curriculum.TESTS / "wrong"
WRONG = sorted(WRONG_BANK.glob("*/*.py"))
RIGHT_BANK = curriculum.TESTS / "right"
RIGHT = sorted(RIGHT_BANK.glob("*/*.py"))

pytestmark = pytest.mark.timeout(300)


def caught_in(path: Path) -> str:
    """The category a wrong solution must fail in: its module-level CAUGHT_IN."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and [target.id for target in node.targets] == ["CAUGHT_IN"]:
            return ast.literal_eval(node.value)
    raise AssertionError(f"{path}: no CAUGHT_IN = '<category>'")


@pytest.fixture(scope="session")
def verdicts(request, tmp_path_factory) -> dict[Path, KataResult]:
    """The selected banked solutions graded as a learner's files, several at a time (`-k KATA` grades only
    that kata's)."""
    katas = {kata.name: kata for kata in curriculum.load()}
    selected = [
        item.callspec.params["path"]
        for item in request.session.items
        if hasattr(item, "callspec") and "path" in item.callspec.params
    ]

    targets = [tmp_path_factory.mktemp(f"{path.parent.parent.name}-{path.parent.name}-{path.stem}") for path in selected]
    for path, target in zip(selected, targets):
        (target / f"{path.parent.name}.py").write_text(path.read_text())

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = pool.map(lambda path, target: runner.grade(katas[path.parent.name], target), selected, targets)
        return dict(zip(selected, results))


def test_every_kata_has_banks(katas):
    """At least four wrong solutions and two right ones besides the reference, for every kata."""
    counts = {
        kata.name: (len(list((WRONG_BANK / kata.name).glob("*.py"))), len(list((RIGHT_BANK / kata.name).glob("*.py"))))
        for kata in katas
    }
    assert all(wrong >= 4 and right >= 2 for wrong, right in counts.values()), counts


@pytest.mark.parametrize("path", RIGHT, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_right_solution_passes(path, verdicts):
    result = verdicts[path]
    failing = {check.name: check.message for check in result.failures}
    assert result.status == "passed", f"status {result.status} ({result.reason or 'no reason'}): {failing}"


@pytest.mark.parametrize("path", WRONG, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_wrong_solution_is_caught(path, verdicts):
    category = caught_in(path)
    assert category in CATEGORIES
    result = verdicts[path]
    failing = sorted({check.category for check in result.failures})
    assert result.status == FAILED, f"status {result.status} ({result.reason or 'no reason'}), failing: {failing}"
    assert category in failing, f"caught, but in {failing} rather than {category}"
