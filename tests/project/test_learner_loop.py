"""The learner's loop, in a learner's copy made by `export` and committed to git as a learner's clone is:
hints in steps, the curriculum list, progress kept across runs, reset with a backup, solutions unlocked by a
pass, and watch mode."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from here import WORKSPACE

from grader import curriculum, stubs

pytestmark = pytest.mark.timeout(120)

GIT = {
    "GIT_AUTHOR_NAME": "Learner",
    "GIT_AUTHOR_EMAIL": "learner@example.com",
    "GIT_COMMITTER_NAME": "Learner",
    "GIT_COMMITTER_EMAIL": "learner@example.com",
}


@pytest.fixture
def clone(tmp_path: Path, run_grader) -> Path:
    repo = tmp_path / "katas"
    assert run_grader("export", str(repo)).returncode == 0
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "Start"]):
        subprocess.run(["git", "-C", str(repo), *command], check=True, env={**os.environ, **GIT})
    return repo


def grader_in(repo: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        cwd=repo,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=100,
        env={**os.environ, "COLUMNS": "200"},
    )


def solve(repo: Path, name: str) -> None:
    (repo / "exercises" / f"{name}.py").write_text((WORKSPACE.solutions / f"{name}.py").read_text())


def test_hints_come_one_more_at_a_time(clone):
    kata = curriculum.load()[0]
    for shown in range(1, len(kata.hints) + 2):
        output = grader_in(clone, "hint", kata.name).stdout
        visible = min(shown, len(kata.hints))
        assert f"Hint {visible} of {len(kata.hints)}" in output
        assert f"Hint {visible + 1} of" not in output
    assert "That was the last hint" in output


def keep_first_katas(repo: Path, count: int) -> None:
    """The copy's curriculum cut to its first `count` katas: what is kept across runs needs no more, and each
    whole run of the grader then takes a second, not the whole curriculum's time."""
    manifest = repo / "grader" / "curriculum.toml"
    head, *entries = manifest.read_text().split("\n[[kata]]\n")
    manifest.write_text("\n[[kata]]\n".join([head, *entries[:count]]))


def test_progress_is_kept_and_shown_over_time(clone):
    keep_first_katas(clone, 3)
    solve(clone, "hello_coroutine")
    for _ in range(2):
        finished = grader_in(clone, "hello_coroutine", "gather_results")
        assert finished.returncode == 1
    state = json.loads((clone / "progress.json").read_text())
    assert state["katas"]["hello_coroutine"]["status"] == "passed"
    assert state["katas"]["hello_coroutine"]["first_passed"]
    assert state["katas"]["gather_results"]["status"] == "not_started"
    listing = grader_in(clone, "list").stdout
    first, second = curriculum.load()[:2]
    assert first.chapter in listing and "passed" in listing
    assert "→" in listing.split(second.name)[0].splitlines()[-1]  # the current kata is marked
    finished = grader_in(clone)
    grader_in(clone)
    assert "Your progress" in grader_in(clone).stdout
    assert len(json.loads((clone / "progress.json").read_text())["history"]) == 3
    assert finished.returncode == 1


def test_a_corrupt_progress_file_is_rebuilt_with_a_warning(clone):
    (clone / "progress.json").write_text("{not json")
    finished = grader_in(clone, "hint", "timeouts")
    assert finished.returncode == 0 and "could not be read" in finished.stdout
    assert json.loads((clone / "progress.json").read_text())["katas"]["timeouts"]["hints_shown"] == 1
    assert (clone / "progress.json.corrupt").read_text() == "{not json"


def test_reset_asks_and_keeps_a_backup(clone):
    path = clone / "exercises" / "gather_results.py"
    original = path.read_text()
    path.write_text("# my attempt\n")
    refused = grader_in(clone, "reset", "gather_results", stdin="n\n")
    assert refused.returncode == 1 and path.read_text() == "# my attempt\n"
    assert grader_in(clone, "reset", "gather_results", "--yes").returncode == 0
    assert path.read_text() == original and stubs.is_stub(original)
    (backup,) = path.parent.glob("gather_results.py.*.bak")
    assert backup.read_text() == "# my attempt\n"


def test_reset_finds_the_stub_behind_the_learners_commits(clone):
    path = clone / "exercises" / "timeouts.py"
    original = path.read_text()
    solve(clone, "timeouts")
    subprocess.run(["git", "-C", str(clone), "commit", "-qam", "Solved"], check=True, env={**os.environ, **GIT})
    assert grader_in(clone, "reset", "timeouts", "--yes").returncode == 0
    assert path.read_text() == original


def test_solution_unlocks_once_passed(clone):
    locked = grader_in(clone, "solution", "handle_errors")
    assert locked.returncode == 1 and "first" in locked.stdout
    solve(clone, "handle_errors")
    grader_in(clone, "handle_errors")
    assert grader_in(clone, "solution", "handle_errors").returncode == 1  # a learner's copy has no solutions/
    assert "no reference solutions" in grader_in(clone, "solution", "handle_errors").stdout


def test_solution_is_shown_in_the_full_repository_once_passed(tmp_path):
    # A workspace of its own (named by KATAS_ROOT), so the checkout's own progress.json is never touched.
    workspace = tmp_path / "katas"
    for folder in ("exercises", "solutions", "grader"):
        (workspace / folder).mkdir(parents=True)
    (workspace / "grader" / "curriculum.toml").write_text(WORKSPACE.manifest.read_text())
    (workspace / "solutions" / "handle_errors.py").write_text((WORKSPACE.solutions / "handle_errors.py").read_text())
    passed = {"best_score": 10, "status": "passed", "first_passed": "2026-01-01T00:00:00+00:00", "hints_shown": 0}
    (workspace / "progress.json").write_text(json.dumps({"katas": {"handle_errors": passed}, "history": []}))
    shown = subprocess.run(
        [sys.executable, "-m", "grader", "solution", "handle_errors"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "KATAS_ROOT": str(workspace)},
    )
    assert shown.returncode == 0 and "except Exception" in shown.stdout
    # Piped, the solution is the plain file: every line whole, however long.
    assert shown.stdout == (WORKSPACE.solutions / "handle_errors.py").read_text()


def test_watch_grades_again_on_save_and_moves_on(clone):
    with subprocess.Popen(
        [sys.executable, "-m", "grader", "watch"],
        cwd=clone,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    ) as watching:
        lines = []

        def read_until(text: str) -> None:
            while text not in (line := watching.stdout.readline()):
                assert line, f"watch ended before showing {text!r}:\n{''.join(lines)}"
                lines.append(line)

        def say(command: str) -> None:
            watching.stdin.write(command + "\n")
            watching.stdin.flush()

        try:
            read_until("Commands")
            saved = time.monotonic()
            solve(clone, "hello_coroutine")
            read_until("Grading 1. Hello, coroutine")
            started_within = time.monotonic() - saved
            read_until("hello_coroutine passes")
            read_until("Grading 2. Gather results")
            read_until("Commands")
            say("h")
            read_until("Hint 1 of")
            say("q")
            assert watching.wait(timeout=10) == 0
        finally:
            watching.kill()
    # Within a second as a rule; the bound leaves room for a loaded machine.
    assert started_within < 3, f"grading began {started_within:.2f} s after the save"
