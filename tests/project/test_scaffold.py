"""`python -m grader new NAME --chapter C` (grader/scaffold.py) makes a kata's entry and files, in a copy of the
project in a temporary folder: never in the real checkout."""

import argparse
import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from here import WORKSPACE

from grader import classroom, curriculum, readme, scaffold
from grader.results import CATEGORIES
from grader.verify import caught_in

NAME = "throttle"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """What the scaffolder reads and writes: the manifest, README.md, the Classroom workflow, the kata folders."""
    root = tmp_path / "project"
    (root / "grader").mkdir(parents=True)
    shutil.copy(WORKSPACE.manifest, root / "grader" / "curriculum.toml")
    shutil.copy(WORKSPACE.root / "README.md", root / "README.md")
    (root / classroom.WORKFLOW).parent.mkdir(parents=True)
    shutil.copy(WORKSPACE.root / classroom.WORKFLOW, root / classroom.WORKFLOW)
    for folder in ("exercises", "solutions", "tests/katas", "tests/right", "tests/wrong"):
        (root / folder).mkdir(parents=True)
    return root


def _snapshot(root: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def test_new_kata_appends_to_the_manifest_keeping_its_text(project):
    manifest = project / "grader" / "curriculum.toml"
    before = manifest.read_text()
    last_chapter = list(tomllib.loads(before)["chapters"])[-1]  # a kata of the last chapter comes last
    scaffold.new_kata(NAME, last_chapter, "A rate limit", root=project)
    after = manifest.read_text()
    assert after.startswith(before.rstrip("\n") + "\n"), "the manifest's text (comments, layout) is kept"
    katas = curriculum.load(manifest)
    kata = katas[-1]
    assert (kata.name, kata.title, kata.points, kata.number) == (NAME, "A rate limit", 10, len(katas))
    assert kata.chapter == tomllib.loads(before)["chapters"][last_chapter]
    assert len(kata.hints) == 2 and all(hint.startswith("TODO") for hint in kata.hints)


def test_new_kata_writes_every_file_of_a_kata(project):
    written = scaffold.new_kata(NAME, "basics", root=project)
    expected = {
        project / "grader" / "curriculum.toml",
        project / "exercises" / f"{NAME}.py",
        project / "solutions" / f"{NAME}.py",
        project / "tests" / "katas" / f"test_{NAME}.py",
        project / "README.md",
        project / classroom.WORKFLOW,
    }
    assert expected <= set(written)
    assert len(list((project / "tests" / "right" / NAME).glob("*.py"))) == 1
    (wrong,) = (project / "tests" / "wrong" / NAME).glob("*.py")
    assert caught_in(wrong) in CATEGORIES
    titles = {kata.name: kata.title for kata in curriculum.load(project / "grader" / "curriculum.toml")}
    assert titles[NAME] == "Throttle"


def _functions(path: Path) -> dict[str, ast.AsyncFunctionDef]:
    return {node.name: node for node in ast.parse(path.read_text()).body if isinstance(node, ast.AsyncFunctionDef)}


def test_stub_and_solution_have_the_shape_the_curriculum_tests_ask_for(project):
    scaffold.new_kata(NAME, "basics", root=project)
    stub = _functions(project / "exercises" / f"{NAME}.py")
    solution = _functions(project / "solutions" / f"{NAME}.py")
    assert stub.keys() == solution.keys() and stub
    for name, node in stub.items():
        assert ast.dump(node.args) == ast.dump(solution[name].args)
        docstring = ast.get_docstring(node)
        assert all(part in docstring for part in ("Contract:", "Example:", "Worth reading:"))
        assert [ast.unparse(statement) for statement in node.body[1:]] == ["raise NotImplementedError"]
    assert ast.get_docstring(ast.parse((project / "exercises" / f"{NAME}.py").read_text()))


def test_suite_has_one_unwritten_check_per_category(project):
    scaffold.new_kata(NAME, "basics", root=project)
    source = (project / "tests" / "katas" / f"test_{NAME}.py").read_text()
    checks = [node for node in ast.parse(source).body if isinstance(node, ast.AsyncFunctionDef)]
    categories = [ast.literal_eval(node.decorator_list[0].args[0]) for node in checks]
    assert categories == list(CATEGORIES)
    assert all(node.name.startswith("test_") and ast.get_docstring(node) for node in checks)
    assert "not written yet" in source and f"kata.{NAME}(" in source


def test_generated_code_passes_the_linter(project):
    scaffold.new_kata(NAME, "basics", root=project)
    paths = [str(path) for path in project.rglob("*.py")]
    config = str(WORKSPACE.root / "pyproject.toml")
    for command in (["check"], ["format", "--check"]):
        finished = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--config", config, *paths], capture_output=True, text=True
        )
        assert finished.returncode == 0, finished.stdout + finished.stderr


def test_new_kata_regenerates_the_readme_list_and_the_classroom_workflow(project):
    scaffold.new_kata(NAME, "structured", "A rate limit", root=project)
    katas = curriculum.load(project / "grader" / "curriculum.toml")
    text = (project / "README.md").read_text()
    assert readme.update(text, katas) == text and f"`{NAME}`: A rate limit" in text
    assert (project / classroom.WORKFLOW).read_text() == classroom.render(katas)
    assert f"python -m grader.classroom grade {NAME}" in (project / classroom.WORKFLOW).read_text()


@pytest.mark.parametrize(
    ("name", "chapter", "said"),
    [
        ("hello_coroutine", "basics", "already in grader/curriculum.toml"),
        ("rate-limit", "basics", "not a kata name"),
        ("class", "basics", "not a kata name"),
        ("RateLimit", "basics", "not a kata name"),
        (NAME, "chapter_9", "no chapter 'chapter_9'"),
    ],
)
def test_new_kata_refuses_a_wrong_name_or_chapter_and_writes_nothing(project, name, chapter, said):
    before = _snapshot(project)
    with pytest.raises(scaffold.ScaffoldError, match=said):
        scaffold.new_kata(name, chapter, root=project)
    assert _snapshot(project) == before


@pytest.mark.parametrize("existing", [f"exercises/{NAME}.py", f"tests/katas/test_{NAME}.py", f"tests/wrong/{NAME}"])
def test_new_kata_never_overwrites_a_file(project, existing):
    path = project / existing
    if path.suffix:
        path.write_text("# an author's work\n")
    else:
        path.mkdir()
    before = _snapshot(project)
    with pytest.raises(scaffold.ScaffoldError, match="already exists"):
        scaffold.new_kata(NAME, "basics", root=project)
    assert _snapshot(project) == before


def test_main_reports_what_it_made_and_exits_2_on_a_refusal(project, capsys):
    assert scaffold.main([NAME, "--chapter", "basics", "--title", "A rate limit"], root=project) == 0
    out = capsys.readouterr().out
    assert f"exercises/{NAME}.py" in out and f"python -m grader verify {NAME}" in out
    assert scaffold.main([NAME, "--chapter", "basics"], root=project) == 2
    assert "already" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        scaffold.main([NAME], root=project)  # --chapter is required: argparse's usage error


def test_new_kata_joins_its_chapter_in_the_curriculum_order(project):
    manifest = project / "grader" / "curriculum.toml"
    before = manifest.read_text().splitlines()
    basics = sum(kata.chapter.startswith("Chapter 1") for kata in curriculum.load(manifest))
    scaffold.new_kata(NAME, "basics", root=project)
    after = manifest.read_text().splitlines()
    remaining = iter(after)
    assert all(line in remaining for line in before), "every line of the manifest is kept, in its order"
    katas = curriculum.load(manifest)
    assert [kata.name for kata in katas].index(NAME) == basics  # after chapter 1's last kata, before chapter 2
    text = (project / "README.md").read_text()
    assert readme.update(text, katas) == text


def test_kata_list_of_many_chapters_after_several_new_katas(project):
    """Whatever the number of katas and chapters: a third chapter, then katas added to each."""
    manifest = project / "grader" / "curriculum.toml"
    manifest.write_text(manifest.read_text().replace("[chapters]\n", '[chapters]\nmore = "Chapter 9: more"\n', 1))
    for name, chapter in (("one", "more"), ("two", "basics"), ("three", "more"), ("four", "structured")):
        scaffold.new_kata(name, chapter, root=project)
    katas = curriculum.load(manifest)
    assert [kata.name for kata in katas][-2:] == ["one", "three"]
    text = (project / "README.md").read_text()
    assert readme.update(text, katas) == text
    headings = [line for line in text.splitlines() if line.startswith("### Chapter")]
    titles = list(dict.fromkeys(kata.chapter for kata in katas))
    assert headings == [f"### {title}" for title in titles] and titles[-1] == "Chapter 9: more"
    assert all(f"`{name}`" in text for name in ("one", "two", "three", "four"))


def test_wires_into_a_subcommand_as_the_grader_cli_would(project):
    parser = argparse.ArgumentParser(prog="python -m grader")
    new = parser.add_subparsers(dest="command").add_parser("new")
    scaffold.add_arguments(new)
    new.set_defaults(handler=scaffold.run)
    args = parser.parse_args(["new", NAME, "--chapter", "structured", "--title", "A rate limit"])
    assert args.handler(args, root=project) == 0
    assert (project / "exercises" / f"{NAME}.py").is_file()
