"""The instructor's side: report formats, grading with a suite kept elsewhere, learner's copies, the
Gradescope autograder in a simulated /autograder tree, the GitHub Classroom workflow and `verify`."""

import base64
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

from grader import classroom, curriculum, submission

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
    # The first kata and the last (of the newest chapter, with its own harness modules): the handout grades them.
    # Every stub of the curriculum graded "not started" is test_cli's scoreboard test.
    first, *_, last = curriculum.load()
    finished = subprocess.run(
        [sys.executable, "-m", "grader", first.name, last.name, "--format", "json"],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=120,
    )
    statuses = {kata["name"]: kata["status"] for kata in json.loads(finished.stdout)["katas"]}
    assert statuses == {first.name: "not_started", last.name: "not_started"}
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


def _fake_python(folder: Path, name: str, version: str, log: Path) -> None:
    """A stand-in for a Python of `version`: answers setup.sh's version question, makes a "venv" holding a copy
    of itself, and logs every other call."""
    script = folder / name
    script.write_text(
        "#!/bin/bash\n"
        f'case "$1" in\n  -c) echo {version} ;;\n  --version) echo "Python {version}.0" ;;\n'
        f'  *) if [ "$1 $2" = "-m venv" ]; then /bin/mkdir -p "$3/bin" && /bin/cp "$0" "$3/bin/python"; '
        f'else echo "$0 $*" >>{log}; fi ;;\nesac\n'
    )
    script.chmod(0o755)


def _run_setup(tmp_path: Path, pythons: dict[str, str]) -> tuple[subprocess.CompletedProcess, Path, Path]:
    """setup.sh in a simulated image: apt-get does nothing, and the only Pythons are `pythons` (name: version)."""
    bin_folder, root, log = tmp_path / "bin", tmp_path / "autograder", tmp_path / "calls.log"
    bin_folder.mkdir()
    (root / "source" / "katas" / "tests").mkdir(parents=True)
    (bin_folder / "chmod").symlink_to(shutil.which("chmod"))
    apt = bin_folder / "apt-get"
    apt.write_text("#!/bin/sh\nexit 0\n")
    apt.chmod(0o755)
    for name, version in pythons.items():
        _fake_python(bin_folder, name, version, log)
    finished = subprocess.run(
        ["/bin/bash", str(GRADESCOPE / "setup.sh")],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": str(bin_folder), "AUTOGRADER_ROOT": str(root)},
    )
    return finished, root, log


def test_gradescope_setup_installs_the_grader_with_a_python_new_enough(tmp_path):
    finished, root, log = _run_setup(tmp_path, {"python3": "3.10", "python3.12": "3.12"})
    assert finished.returncode == 0, finished.stderr
    assert "python3.12" in finished.stdout
    assert f"{root}/venv/bin/python -m pip install {root}/source/katas" in log.read_text()
    # The hidden suites are root's alone: a sandbox user cannot read them, whatever the audit hook decides.
    assert all((path.stat().st_mode & 0o077) == 0 for path in [root / "source", *(root / "source").rglob("*")])


def test_gradescope_setup_names_the_base_image_when_python_is_too_old(tmp_path):
    finished, root, _ = _run_setup(tmp_path, {"python3": "3.10"})
    assert finished.returncode == 1 and not (root / "venv").exists()
    said = " ".join(finished.stderr.split())
    assert "needs Python 3.11 or newer" in said and "python3 is Python 3.10" in said
    assert "Ubuntu 24.04" in said and "Configure Autograder" in said


def test_gradescope_reports_missing_kata_files_as_not_submitted(autograder, katas):
    for name in ("hello_coroutine", "timeouts"):  # submitted as kata files alone
        (autograder / "submission" / f"{name}.py").write_text((WORKSPACE.solutions / f"{name}.py").read_text())
    results = run_autograder(autograder)
    points = {kata.name: kata.points for kata in katas}
    assert results["score"] == points["hello_coroutine"] + points["timeouts"]
    by_kata = {}
    for test in results["tests"]:
        by_kata.setdefault(test["tags"][0], []).append(test)
    assert list(by_kata) == [kata.name for kata in katas], "every kata is reported, in curriculum order"
    for kata in katas:
        if kata.name in ("hello_coroutine", "timeouts"):
            assert all(test["status"] == "passed" for test in by_kata[kata.name])
            continue
        (test,) = by_kata[kata.name]
        assert test["score"] == 0 and test["max_score"] == kata.points
        assert test["output"].startswith(f"Not submitted: exercises/{kata.name}.py was not in your submission")
        assert "import" not in test["output"]
    assert f"Not submitted ({len(katas) - 2} of {len(katas)} katas)" in results["output"]


def test_gradescope_grades_nothing_for_an_empty_submission(autograder, katas):
    results = run_autograder(autograder)
    assert results["score"] == 0 and len(results["tests"]) == len(katas)
    assert all(test["output"].startswith("Not submitted") for test in results["tests"])


def test_not_submitted_completes_a_report_in_curriculum_order(katas, tmp_path):
    (tmp_path / f"{katas[1].name}.py").write_text("")
    graded = {
        "score": 2.5,
        "output": "1 of 1 katas passed.",
        "tests": [{"name": "check", "score": 2.5, "max_score": 2.5, "status": "passed", "tags": [katas[1].name]}],
    }
    results = submission.complete(graded, katas, tmp_path)
    assert [test["tags"][0] for test in results["tests"]] == [kata.name for kata in katas]
    assert results["score"] == 2.5 and results["tests"][1] == graded["tests"][0]
    assert results["output"].startswith("1 of 1 katas passed. Not submitted")
    assert [kata.name for kata in submission.submitted(katas, tmp_path)] == [katas[1].name]


def test_classroom_workflow_is_made_from_the_manifest(katas):
    path = WORKSPACE.root / classroom.WORKFLOW
    assert path.read_text() == classroom.render(katas), "regenerate it: python -m grader.classroom > " + str(path)
    workflow = yaml.safe_load(path.read_text())
    steps = workflow["jobs"]["run-autograding-tests"]["steps"]
    graders = [step for step in steps if "python -m grader.classroom grade" in step.get("run", "")]
    assert [step["run"] for step in graders] == [f"python -m grader.classroom grade {kata.name}" for kata in katas]
    assert all(step["timeout-minutes"] * 60 > classroom.GRADING_LIMIT for step in graders)
    reporter = steps[-1]
    assert reporter["uses"].startswith("classroom-resources/autograding-grading-reporter")
    assert reporter["if"] == "always()"
    assert reporter["with"]["runners"].split(",") == [step["id"] for step in graders]
    assert reporter["env"] == {
        f"{step['id'].upper()}_RESULTS": f"${{{{steps.{step['id']}.outputs.result}}}}" for step in graders
    }


def _gradescope_report(kata, statuses: list[bool]) -> dict:
    """A Gradescope report of one kata whose checks passed or failed as given, each worth an equal share."""
    share = kata.points / len(statuses)
    return {
        "tests": [
            {
                "name": f"{kata.number}. {kata.title}: check {index}",
                "score": round(share, 4) if passed else 0,
                "max_score": round(share, 4),
                "status": "passed" if passed else "failed",
                "output": "" if passed else f"Saw: check {index} failing",
                "tags": [kata.name, "correctness"],
            }
            for index, passed in enumerate(statuses)
        ]
    }


def test_classroom_gives_each_check_its_share_of_the_points(katas):
    kata = katas[0]
    full = classroom.runner_result(_gradescope_report(kata, [True] * 3), kata)
    assert full["status"] == "pass" and full["max_score"] == kata.points
    assert sum(test["score"] for test in full["tests"]) == kata.points  # 3 x 3.33 makes 10, not 9.99
    partial = classroom.runner_result(_gradescope_report(kata, [True, False, True]), kata)
    assert partial["status"] == "fail" and 0 < sum(test["score"] for test in partial["tests"]) < kata.points
    assert [test["status"] for test in partial["tests"]] == ["pass", "fail", "pass"]
    assert "check 1 failing" in partial["tests"][1]["message"]
    missing = classroom.runner_result({"tests": [], "output": "Grading could not finish"}, kata)
    assert missing["status"] == "error" and missing["tests"][0]["score"] == 0
    assert "Grading could not finish" in missing["tests"][0]["message"]


def test_classroom_step_grades_its_kata_for_the_reporter(katas, tmp_path):
    """What a workflow step runs, with GitHub's output file: the reporter's result, base64 JSON, per check."""
    output = tmp_path / "github_output"
    command = classroom.render(katas).split("run: python -m grader.classroom grade ")[1].split()[0]
    finished = subprocess.run(
        [sys.executable, "-m", "grader.classroom", "grade", command, "--target", "solutions"],
        cwd=WORKSPACE.root,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "GITHUB_OUTPUT": str(output)},
    )
    assert finished.returncode == 0, finished.stderr
    (line,) = output.read_text().splitlines()
    result = json.loads(base64.b64decode(line.removeprefix("result=")))
    assert result["status"] == "pass" and result["max_score"] == katas[0].points
    assert len(result["tests"]) > 1 and sum(test["score"] for test in result["tests"]) == katas[0].points
    assert f"{katas[0].points} of {katas[0].points} points" in finished.stdout


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
