"""Learner code that hangs, exits, crashes or does not import costs its own kata and nothing else."""

import pytest

pytestmark = pytest.mark.timeout(120)

BROKEN = {
    "sleeps_forever_at_import": "import time\ntime.sleep(3600)\n",
    "exits_at_import": "import sys\nsys.exit(0)\n",
    "hard_exit_at_import": "import os\nos._exit(0)\n",
    "syntax_error": "async def delayed_greeting(name, delay)\n    return name\n",
    "hard_exit_in_function": "import os\n\nasync def delayed_greeting(name, delay):\n    os._exit(0)\n",
    "exits_in_function": "import sys\n\nasync def delayed_greeting(name, delay):\n    sys.exit(3)\n",
    "spins_forever": "async def delayed_greeting(name, delay):\n    while True:\n        pass\n",
    "blocks_in_c": "async def delayed_greeting(name, delay):\n    return sum(range(10**12))\n",
    "awaits_forever": "import asyncio\n\nasync def delayed_greeting(name, delay):\n    await asyncio.Event().wait()\n",
    "wrong_name": "async def greeting(name, delay):\n    return name\n",
}

EXPECTED_REASON = {
    "sleeps_forever_at_import": "timed out after",
    "exits_at_import": "does not import: SystemExit",
    "hard_exit_at_import": "exited with code 0",
    "syntax_error": "does not import: SyntaxError",
    "blocks_in_c": "timed out after",
}
# Learner code that ends its process while a check runs fails that check, saying how; the next check gets a new
# sandbox process, so the others are graded (and fail on their own merits). A function missing fails them all.
EXPECTED_MESSAGE = {
    "hard_exit_in_function": "exited with code 0",
    "wrong_name": "has no attribute 'delayed_greeting'",
}


@pytest.mark.parametrize("breakage", sorted(BROKEN))
def test_broken_kata_costs_only_itself(breakage, learner_copy, grade_json):
    (learner_copy / "hello_coroutine.py").write_text(BROKEN[breakage])
    before = {path.name: path.read_bytes() for path in learner_copy.iterdir()}
    code, report = grade_json("hello_coroutine", "timeouts", "--target", str(learner_copy), "--time-limit", "6")
    verdicts = {kata["name"]: kata for kata in report["katas"]}
    broken = verdicts.pop("hello_coroutine")
    assert code == 1
    assert broken["status"] in ("failed", "error") and broken["score"] < broken["max_score"]
    assert not any(check["passed"] for check in broken["checks"] if check["category"] == "correctness")
    if breakage in EXPECTED_REASON:
        assert broken["status"] == "error" and broken["score"] == 0
        assert EXPECTED_REASON[breakage] in broken["reason"], broken["reason"]
    if breakage in EXPECTED_MESSAGE:
        assert broken["status"] == "failed" and broken["score"] == 0
        assert all(EXPECTED_MESSAGE[breakage] in check["message"] for check in broken["checks"]), broken["checks"]
    assert all(kata["status"] == "passed" for kata in verdicts.values()), verdicts
    # Learner files are never written: no __pycache__, no cache, nothing changed.
    assert {path.name: path.read_bytes() for path in learner_copy.iterdir()} == before


def test_conftest_beside_the_learner_code_changes_nothing(learner_copy, grade_json):
    (learner_copy / "hello_coroutine.py").write_text(BROKEN["wrong_name"])
    (learner_copy / "conftest.py").write_text(
        "import pytest\n\n"
        "@pytest.hookimpl(hookwrapper=True)\n"
        "def pytest_runtest_makereport(item, call):\n"
        "    outcome = yield\n"
        "    outcome.get_result().outcome = 'passed'\n"
    )
    _, report = grade_json("hello_coroutine", "--target", str(learner_copy))
    (kata,) = report["katas"]
    assert kata["status"] == "failed" and not any(check["passed"] for check in kata["checks"])


def test_a_missing_module_is_an_error_that_says_how_to_get_it_back(learner_copy, grade_json):
    (learner_copy / "timeouts.py").unlink()
    code, report = grade_json("timeouts", "--target", str(learner_copy))
    (kata,) = report["katas"]
    assert code == 1 and kata["status"] == "error"
    assert "there is no exercises/timeouts.py" in kata["reason"] and "grader reset timeouts" in kata["reason"]
