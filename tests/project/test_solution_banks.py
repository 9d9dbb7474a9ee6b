"""Every kata is sound, through `python -m grader verify`'s own logic: the reference passes, the stub is
"not started", every other right solution (tests/right/KATA/*.py) passes and every plausible wrong one
(tests/wrong/KATA/*.py) is caught in its own category.

The banks are most of the project's tests' time, and mostly waiting: they are verified in the background from the
moment the tests are collected (conftest.py, `verifying_banks`), while the other tests run."""

import pytest

from grader import curriculum

pytestmark = pytest.mark.timeout(900)


@pytest.mark.parametrize("kata", curriculum.load(), ids=lambda kata: kata.name)
def test_kata_is_sound(kata, banks):
    assert banks[kata.name].problems() == []
