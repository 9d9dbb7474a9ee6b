"""README.md's list of katas is the manifest's, made by `python -m grader.readme`."""

import dataclasses

import pytest
from here import WORKSPACE

from grader import readme


def test_readme_lists_the_katas_of_the_manifest(katas):
    text = (WORKSPACE.root / "README.md").read_text(encoding="utf-8")
    assert readme.update(text, katas) == text, (
        f"README.md's list of katas differs from grader/curriculum.toml: run `{readme.COMMAND}`"
    )


def test_kata_list_groups_katas_by_chapter_in_curriculum_order(katas):
    more = [*katas, dataclasses.replace(katas[0], number=len(katas) + 1, name="new_one", chapter="Chapter 9: more")]
    listed = readme.kata_list(more)
    for kata in more:
        assert f"{kata.number}. `{kata.name}`: {kata.title}" in listed
    headings = [line for line in listed.splitlines() if line.startswith("### ")]
    assert headings == [f"### {chapter}" for chapter in dict.fromkeys(kata.chapter for kata in more)]
    assert listed.index("### Chapter 9: more") < listed.index("`new_one`")


def test_update_replaces_only_what_lies_between_the_markers(katas):
    text = f"# Title\n\nBefore.\n\n{readme.START}\nstale list\n{readme.END}\n\nAfter.\n"
    updated = readme.update(text, katas)
    assert updated.startswith("# Title\n\nBefore.\n\n" + readme.START + "\n")
    assert updated.endswith(readme.END + "\n\nAfter.\n") and "stale list" not in updated
    assert readme.update(updated, katas) == updated
    with pytest.raises(ValueError, match="markers"):
        readme.update("# no markers\n", katas)


def test_check_names_the_command_to_run(capsys, monkeypatch, katas):
    real = readme.update
    monkeypatch.setattr(readme, "update", lambda text, katas: real(text, katas[:-1]))
    assert readme.main(["--check"]) == 1
    assert readme.COMMAND in capsys.readouterr().err
