"""The command line: what a learner sees, and the exit codes scripts rely on."""

import os
import subprocess
import sys

import pytest
from here import WORKSPACE

pytestmark = pytest.mark.timeout(120)


def test_unknown_kata_is_a_usage_error_naming_the_katas(run_grader, katas):
    finished = run_grader("no_such_kata")
    assert finished.returncode == 2
    assert "no_such_kata" in finished.stderr
    assert all(kata.name in finished.stderr for kata in katas)


def test_missing_target_is_a_usage_error(run_grader):
    finished = run_grader("--target", "no/such/folder")
    assert finished.returncode == 2 and "no such folder" in finished.stderr


def test_bad_time_scale_is_a_usage_error(run_grader):
    finished = run_grader("--target", "solutions", env={**os.environ, "KATA_TIME_SCALE": "fast"})
    assert finished.returncode == 2 and "KATA_TIME_SCALE" in finished.stderr


def test_scoreboard_lists_every_kata_and_says_what_next(run_grader, katas):
    finished = run_grader()
    assert finished.returncode == 1
    rows = {words[1]: line for line in finished.stdout.splitlines() if (words := line.split()) and words[0].isdigit()}
    for kata in katas:  # every stub graded and "not started": the whole curriculum's stubs, in one run
        assert "not started" in rows[kata.name] and f" 0/{kata.points} " in rows[kata.name], rows.get(kata.name)
    assert katas[0].chapter in finished.stdout
    assert "not started" in finished.stdout
    assert "Score 0 of" in finished.stdout
    assert "Next:" in finished.stdout and f"exercises/{katas[0].name}.py" in finished.stdout


def test_chosen_kata_shows_every_failing_check(run_grader, learner_copy):
    (learner_copy / "gather_results.py").write_text(
        "async def fetch_all(fetch, keys):\n    return [await fetch(key) for key in keys]\n"
    )
    finished = run_grader("gather_results", "--target", str(learner_copy))
    shown = " ".join(finished.stdout.split())  # long messages wrap to the terminal's width
    assert finished.returncode == 1
    assert "failing" in shown
    assert "at most 1 ran at a time" in shown
    assert "Likely mistake: they ran one after another" in shown


def test_all_passing_exits_zero_and_says_so(run_grader, katas):
    finished = run_grader("--target", "solutions")
    assert finished.returncode == 0, finished.stdout
    assert "Every kata passes" in finished.stdout
    points = sum(kata.points for kata in katas)
    assert f"Score {points} of {points} points, {len(katas)} of {len(katas)} katas passed" in finished.stdout
    assert finished.stderr == ""  # nothing of the grader's own workings (a library's warning) on the terminal


def test_no_colour_when_not_a_terminal(run_grader):
    finished = run_grader("hello_coroutine", "--target", "solutions")
    assert "\x1b[" not in finished.stdout


def test_a_mistyped_kata_or_command_gets_a_suggestion(run_grader):
    kata = run_grader("gather_reslts")
    assert kata.returncode == 2 and "did you mean 'gather_results'?" in kata.stderr
    command = run_grader("hnt")
    assert command.returncode == 2 and "did you mean 'hint'?" in command.stderr


def test_piped_output_is_plain_trimmed_lines(run_grader):
    finished = run_grader("hello_coroutine", "timeouts", "--target", "solutions")
    lines = finished.stdout.splitlines()
    assert not [line for line in lines if line != line.rstrip()], "lines padded with spaces"
    bar = next(line for line in lines if "━" in line)
    assert not bar.strip("━╸╺ "), f"the progress bar shares its line: {bar!r}"
    assert "tions" in finished.stdout  # the last column's header whole ("excep-tions")


def test_hint_without_a_name_is_for_the_current_kata(run_grader, katas, tmp_path):
    workspace = tmp_path / "katas"
    (workspace / "exercises").mkdir(parents=True)
    (workspace / "grader").mkdir()
    (workspace / "grader" / "curriculum.toml").write_text(WORKSPACE.manifest.read_text())
    finished = run_grader("hint", env={**os.environ, "KATAS_ROOT": str(workspace)})
    assert finished.returncode == 0 and f"{katas[0].number}. {katas[0].title}" in finished.stdout
    assert (workspace / "progress.json").exists() and not (tmp_path / "progress.json").exists()


def test_a_plain_install_grades_the_copy_it_is_run_in(tmp_path):
    """`pip install .` (not editable) puts the grader in site-packages: it still finds the katas from the
    working folder, and says so plainly outside one."""
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(WORKSPACE.root)],
        check=True,
        capture_output=True,
        timeout=240,
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    probe = [sys.executable, "-c", "import grader, sys; print(grader.__file__)"]
    assert subprocess.run(probe, cwd=tmp_path, env=env, capture_output=True, text=True).stdout.startswith(str(site))

    def grader(*args, cwd):
        command = [sys.executable, "-m", "grader", *args]
        return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)

    inside = grader("hello_coroutine", "--target", str(WORKSPACE.solutions), cwd=WORKSPACE.root / "exercises")
    assert inside.returncode == 0, inside.stdout + inside.stderr
    outside = grader("list", cwd=tmp_path)
    assert outside.returncode == 2 and "KATAS_ROOT" in outside.stderr
