"""The instructor's side: report formats, grading with a suite kept elsewhere, learner's copies, the
Gradescope autograder in a simulated /autograder tree, the GitHub Classroom workflow and `verify`."""

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import yaml
from here import WORKSPACE

from grader import classroom, curriculum

pytestmark = pytest.mark.timeout(300)

GRADESCOPE = WORKSPACE.root / "grader" / "gradescope"


def test_gradescope_format(grade_json, run_grader, tmp_path):
    output = tmp_path / "results.json"
    finished = run_grader(
        "hello_coroutine", "timeouts", "--target", "solutions", "--format", "gradescope", "--output", str(output)
    )
    assert finished.returncode == 0 and finished.stdout == ""
    results = json.loads(output.read_text())
    assert results["score"] == 20 and isinstance(results["execution_time"], float)
    assert isinstance(results["output"], str)
    assert round(sum(test["max_score"] for test in results["tests"]), 2) == 20
    for test in results["tests"]:
        assert {"name", "score", "max_score", "status", "output", "tags", "visibility"} <= test.keys()
        assert test["status"] == "passed" and test["visibility"] == "visible"


def test_gradescope_format_gives_partial_credit(run_grader, learner_copy):
    (learner_copy / "gather_results.py").write_text(
        "async def fetch_all(fetch, keys):\n    return [await fetch(key) for key in keys]\n"
    )
    results = json.loads(run_grader("gather_results", "--target", str(learner_copy), "--format", "gradescope").stdout)
    failed = [test for test in results["tests"] if test["status"] == "failed"]
    assert 0 < results["score"] < 10 and failed
    assert all(test["score"] == 0 and "Saw:" in test["output"] for test in failed)


def test_junit_format(run_grader, learner_copy):
    (learner_copy / "gather_results.py").write_text(
        "async def fetch_all(fetch, keys):\n    return [await fetch(key) for key in keys]\n"
    )
    finished = run_grader("gather_results", "hello_coroutine", "--target", str(learner_copy), "--format", "junit")
    suites = ElementTree.fromstring(finished.stdout.split("\n", 1)[1])
    by_name = {suite.get("name"): suite for suite in suites}
    assert by_name["hello_coroutine"].get("failures") == "0"
    failures = by_name["gather_results"].findall("testcase/failure")
    assert failures and int(by_name["gather_results"].get("failures")) == len(failures)
    assert "ran one after another" in failures[0].text


def test_grading_with_a_suite_kept_elsewhere(run_grader, tmp_path):
    copy = tmp_path / "learner"
    assert run_grader("export", str(copy), "--without-tests").returncode == 0
    assert not (copy / "tests").exists() and not (copy / "solutions").exists()
    without = subprocess.run(
        [sys.executable, "-m", "grader", "timeouts", "--format", "json"],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=60,
    )
    (kata,) = json.loads(without.stdout)["katas"]
    assert without.returncode == 1 and kata["status"] == "error" and "instructor" in kata["reason"]
    (copy / "exercises" / "timeouts.py").write_text((WORKSPACE.solutions / "timeouts.py").read_text())
    graded = subprocess.run(
        [sys.executable, "-m", "grader", "timeouts", "--tests", str(WORKSPACE.tests)],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert graded.returncode == 0, graded.stdout


def test_export_leaves_out_solutions_and_runs(run_grader, tmp_path):
    copy = tmp_path / "learner"
    assert run_grader("export", str(copy)).returncode == 0
    assert not (copy / "solutions").exists() and not (copy / "tests" / "wrong").exists()
    assert (copy / "tests" / "katas").is_dir() and (copy / "grader" / "curriculum.toml").is_file()
    finished = subprocess.run(
        [sys.executable, "-m", "grader", "--format", "json"], cwd=copy, capture_output=True, text=True, timeout=120
    )
    statuses = {kata["status"] for kata in json.loads(finished.stdout)["katas"]}
    assert statuses == {"not_started"}
    assert run_grader("export", str(copy)).returncode == 1  # never into a folder that has files


def test_a_handout_is_a_learners_copy_with_its_stubs(run_grader, tmp_path):
    copy = tmp_path / "learner"
    assert run_grader("export", str(copy), "--without-tests").returncode == 0
    readme = (copy / "README.md").read_text()
    assert "verify" not in readme and "--target solutions" not in readme and "For contributors" not in readme
    assert "python -m grader watch" in readme
    for stub in (copy / "exercises").glob("*.py"):
        assert (copy / ".stubs" / stub.name).read_text() == stub.read_text()

    def grader(*args, stdin=""):
        return subprocess.run(
            [sys.executable, "-m", "grader", *args], cwd=copy, input=stdin, capture_output=True, text=True, timeout=60
        )

    mine = copy / "exercises" / "timeouts.py"
    original = mine.read_text()
    mine.write_text("# my attempt\n")
    unanswered = grader("reset", "timeouts")  # no git history, and stdin at its end
    assert (
        unanswered.returncode == 1 and "Nothing changed" in unanswered.stdout and "Traceback" not in unanswered.stderr
    )
    assert grader("reset", "timeouts", "--yes").returncode == 0 and mine.read_text() == original
    subprocess.run(["git", "init", "-q", str(copy)], check=True)
    untracked = subprocess.run(["git", "-C", str(copy), "status", "--porcelain"], capture_output=True, text=True)
    assert ".bak" not in untracked.stdout  # the learner's version is kept, and git ignores it

    mine.write_text("# solved here\n")
    again = tmp_path / "again"
    exported = grader("export", str(again), "--without-tests")
    assert exported.returncode == 0 and "differ from the original stubs" in exported.stdout
    assert (again / "exercises" / "timeouts.py").read_text() == original


@pytest.fixture
def autograder(tmp_path, run_grader) -> Path:
    """A simulated /autograder: the learner's copy with its hidden suites as the source, an empty submission."""
    root = tmp_path / "autograder"
    assert run_grader("export", str(root / "source" / "katas")).returncode == 0
    (root / "submission").mkdir()
    return root


def run_autograder(root: Path, **env: str) -> dict:
    subprocess.run(
        ["bash", str(GRADESCOPE / "run_autograder")],
        check=True,
        timeout=280,
        capture_output=True,
        env={**os.environ, "AUTOGRADER_ROOT": str(root), "KATAS_PYTHON": sys.executable, **env},
    )
    return json.loads((root / "results" / "results.json").read_text())


def test_gradescope_grades_a_submission_that_hangs_or_does_not_import(autograder):
    exercises = autograder / "submission" / "exercises"  # submitted as a whole repository
    exercises.mkdir()
    for solution in WORKSPACE.solutions.glob("*.py"):
        (exercises / solution.name).write_text(solution.read_text())
    (exercises / "hello_coroutine.py").write_text("import time\ntime.sleep(3600)\n")
    (exercises / "timeouts.py").write_text("def broken(:\n")
    # A submission that writes Gradescope's results itself, full marks, then ends its process.
    forged = json.dumps({"score": 1000, "tests": []})
    (exercises / "shield.py").write_text(
        f"import os\nopen({str(autograder / 'results' / 'results.json')!r}, 'w').write({forged!r})\nos._exit(0)\n"
    )
    results = run_autograder(autograder)
    points = {kata.name: kata.points for kata in curriculum.load()}
    lost = points["hello_coroutine"] + points["timeouts"] + points["shield"]
    assert results["score"] == sum(points.values()) - lost
    hello = [test for test in results["tests"] if "hello_coroutine" in test["tags"]]
    assert hello and all(test["score"] == 0 and "timed out" in test["output"] for test in hello)
    timeouts = [test for test in results["tests"] if "timeouts" in test["tags"]]
    assert all("does not import" in test["output"] for test in timeouts)


def test_gradescope_writes_results_even_when_grading_crashes(autograder):
    (autograder / "submission" / "timeouts.py").write_text((WORKSPACE.solutions / "timeouts.py").read_text())
    results = run_autograder(autograder, KATAS_PYTHON="false")
    assert results["score"] == 0 and "could not finish" in results["output"]
    assert results["tests"] == []


def test_gradescope_setup_installs_the_grader_from_the_source():
    setup = (GRADESCOPE / "setup.sh").read_text()
    assert "pip install /autograder/source/katas" in setup
    assert subprocess.run(["bash", "-n", str(GRADESCOPE / "setup.sh")]).returncode == 0


def test_classroom_workflow_is_made_from_the_manifest(katas, run_grader):
    path = WORKSPACE.root / ".github" / "workflows" / "classroom.yml"
    assert path.read_text() == classroom.render(katas), "regenerate it: python -m grader.classroom > " + str(path)
    workflow = yaml.safe_load(path.read_text())
    steps = workflow["jobs"]["run-autograding-tests"]["steps"]
    graders = [step for step in steps if step.get("uses", "").startswith("classroom-resources/autograding-command")]
    assert [step["with"]["command"] for step in graders] == [f"python -m grader {kata.name}" for kata in katas]
    assert [step["with"]["max-score"] for step in graders] == [kata.points for kata in katas]
    reporter = steps[-1]
    assert reporter["with"]["runners"].split(",") == [step["id"] for step in graders]
    assert set(reporter["env"]) == {f"{step['id'].upper()}_RESULTS" for step in graders}
    # The command each step runs grades its kata, exiting 0 on a pass.
    command = graders[0]["with"]["command"].split()
    assert run_grader(*command[3:], "--target", "solutions").returncode == 0


def test_verify_prints_a_table_and_fails_on_an_unsound_kata(run_grader, tmp_path):
    sound = run_grader("verify", "handle_errors", "--runs", "2")
    assert sound.returncode == 0 and "sound" in sound.stdout
    tests = tmp_path / "tests"
    for name in ("katas", "harness", "right", "wrong"):
        shutil.copytree(WORKSPACE.tests / name, tests / name)
    (tests / "wrong" / "handle_errors" / "actually_right.py").write_text(
        '"""Claims to be wrong."""\n\nCAUGHT_IN = "correctness"\n\n\n'
        "async def fetch_or_default(fetch, key, default):\n    try:\n        return await fetch(key)\n"
        "    except Exception:\n        return default\n"
    )
    unsound = run_grader("verify", "handle_errors", "--runs", "1", "--tests", str(tests))
    assert unsound.returncode == 1 and "actually_right.py not caught" in " ".join(unsound.stdout.split())
