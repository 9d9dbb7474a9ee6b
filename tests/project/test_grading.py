"""Through the grader, as a learner runs it: the report has its shape. (Stubs not started and references scoring
full marks, the whole curriculum graded once each: test_cli; each kata: test_solution_banks.)"""

import os
import time

import pytest
from here import WORKSPACE

from grader import runner
from grader.results import Status

pytestmark = pytest.mark.timeout(120)

REPORT_KEYS = {"score", "max_score", "katas"}
KATA_KEYS = {"name", "title", "status", "score", "max_score", "checks"}
CHECK_KEYS = {"name", "category", "passed", "message"}
CATEGORIES = {"correctness", "concurrency", "timeout", "exceptions"}


def test_report_shape(katas, grade_json):
    _, report = grade_json(katas[0].name, "--target", "solutions")
    assert REPORT_KEYS <= report.keys()
    (kata,) = report["katas"]
    assert KATA_KEYS <= kata.keys()
    assert kata["checks"], "a kata with no checks"
    for check in kata["checks"]:
        assert CHECK_KEYS <= check.keys()
        assert check["category"] in CATEGORIES
        assert isinstance(check["passed"], bool) and isinstance(check["message"], str)


def test_a_named_category_is_graded_alone(katas):
    """`verify` grades a wrong solution with its CAUGHT_IN category's checks alone."""
    kata = next(kata for kata in katas if kata.name == "task_group")
    options = runner.Options(WORKSPACE, WORKSPACE.tests)
    whole = runner.grade(kata, WORKSPACE.solutions, options)
    alone = runner.grade(kata, WORKSPACE.solutions, options, category="exceptions")
    assert {check.category for check in whole.checks} > {"exceptions"}
    assert [check.name for check in alone.checks] == [
        check.name for check in whole.checks if check.category == "exceptions"
    ]
    assert alone.status == Status.PASSED


def test_what_is_graded_is_said_by_the_request_alone(katas, monkeypatch):
    """A KATA_TARGET and KATA_NAME left in the grader's environment (a test that ran the plugin in-process set
    them) are not passed on: a suite's process booted ahead (watch mode) grades what it is then asked to."""
    monkeypatch.setenv("KATA_TARGET", "/nowhere/target")
    monkeypatch.setenv("KATA_NAME", "tiny")
    options = runner.Options(WORKSPACE, WORKSPACE.tests)
    process = runner.SuiteProcess(options)
    time.sleep(1.0)  # booted ahead of the request, as watch mode's is while the learner types
    result = runner.grade(katas[0], WORKSPACE.solutions, options, process=process)
    assert result.status == Status.PASSED, result.reason


AFFINITY = len(os.sched_getaffinity(0))


@pytest.mark.parametrize(
    ("files", "cpus"),
    [
        ({"cpu.max": "150000 100000\n"}, min(2, AFFINITY)),  # cgroup v2: 1.5 CPUs' time, so 2 CPUs at work
        ({"cpu.max": "max 100000\n"}, AFFINITY),
        ({"cpu/cpu.cfs_quota_us": "100000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 1),  # cgroup v1
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, AFFINITY),
        ({"cpu.max": "6400000 100000\n"}, AFFINITY),  # a quota above the CPUs there are
        ({}, AFFINITY),
    ],
)
def test_katas_graded_at_a_time_follow_the_containers_cpu_quota(tmp_path, files, cpus):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    assert runner.usable_cpus(tmp_path) == cpus
