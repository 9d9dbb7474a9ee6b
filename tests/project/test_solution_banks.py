"""Every kata is sound, through `python -m grader verify`'s own logic: the reference passes, the stub is
"not started", every other right solution (tests/right/KATA/*.py) passes and every plausible wrong one
(tests/wrong/KATA/*.py) is caught in its own category."""

import pytest
from here import WORKSPACE

from grader import curriculum, runner
from grader.verify import Soundness, check_soundness

pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="session")
def soundness(request) -> dict[str, Soundness]:
    """The selected katas verified together, several gradings at a time (`-k NAME` verifies only that one)."""
    names = [
        item.callspec.params["kata"].name
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_kata_is_sound"  # not other tests parametrized by kata
    ]
    katas = [kata for kata in curriculum.load() if kata.name in names]
    return {
        report.kata.name: report
        for report in check_soundness(katas, runner.Options(WORKSPACE, WORKSPACE.tests), runs=1)
    }


@pytest.mark.parametrize("kata", curriculum.load(), ids=lambda kata: kata.name)
def test_kata_is_sound(kata, soundness):
    assert soundness[kata.name].problems() == []
