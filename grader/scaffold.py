"""`new`: for kata authors, a new kata's files in one go, like rustlings' `dev new`.

    python -m grader new NAME --chapter CHAPTER [--title TITLE]

adds a `[[kata]]` entry to grader/curriculum.toml after the chapter's last kata (the file's comments and
layout kept) and writes the stub
`exercises/NAME.py`, the reference `solutions/NAME.py`, the hidden suite `tests/katas/test_NAME.py` (one check
per category, each failing with "not written yet" until it is written), and one example each in the banks
`tests/right/NAME/` and `tests/wrong/NAME/`; then it regenerates what is made from the manifest (README's list of
katas, the GitHub Classroom workflow). It never overwrites a file. Every placeholder says TODO, and the project's
tests fail on the ones they can see (hints, unwritten checks, an unsound kata) until they are written.
"""

import argparse
import json
import keyword
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from . import classroom, readme
from .curriculum import Workspace, load
from .results import CATEGORIES

POINTS = 10


class ScaffoldError(ValueError):
    """A kata that cannot be made as asked: the message says why; nothing was written."""


@dataclass(frozen=True)
class _Names:
    name: str
    title: str

    @property
    def function(self) -> str:
        return self.name


def _toml_string(text: str) -> str:
    # A JSON string is a valid TOML basic string (the same escapes, \uXXXX included).
    return json.dumps(text, ensure_ascii=False)


def manifest_entry(name: str, chapter: str, title: str) -> str:
    """The kata's `[[kata]]` table, as text: points 10, two placeholder hints that say TODO."""
    hints = [
        f"TODO: the first hint for {name}: the idea to reach for, without the code.",
        f"TODO: the second hint for {name}: the asyncio API to use and how, close to the answer.",
    ]
    lines = [
        "[[kata]]",
        f"name = {_toml_string(name)}",
        f"chapter = {_toml_string(chapter)}",
        f"title = {_toml_string(title)}",
        f"points = {POINTS}",
        "hints = [",
        *(f"    {_toml_string(hint)}," for hint in hints),
        "]",
    ]
    return "\n".join(lines) + "\n"


def add_to_manifest(text: str, entry: str, chapter: str) -> str:
    """The manifest's text with `entry` after the last kata of `chapter` (at the end if none is, or if the
    manifest's tables cannot be told apart line by line), everything else as it was: comments, layout, order."""
    appended = text.rstrip("\n") + "\n\n" + entry
    lines = text.splitlines(keepends=True)
    headers = [index for index, line in enumerate(lines) if line.strip() == "[[kata]]"]
    entries = tomllib.loads(text).get("kata", [])
    if len(headers) != len(entries):
        return appended
    members = [index for index, kata in enumerate(entries) if kata["chapter"] == chapter]
    if not members or members[-1] == len(entries) - 1:
        return appended
    # Before the next kata's table, and before the comment lines just above it (they introduce that kata).
    at = headers[members[-1] + 1]
    while at - 1 > headers[members[-1]] and lines[at - 1].lstrip().startswith("#"):
        at -= 1
    return "".join(lines[:at]) + entry + "\n" + "".join(lines[at:])


def stub(names: _Names) -> str:
    subject = names.title[:1].lower() + names.title[1:]
    return f'''"""Kata: {subject}.

TODO: teach the idea in a paragraph or two: what asyncio offers here, why the obvious way goes wrong, and what
the learner practises. tests/README.md says what a stub holds.
"""


async def {names.function}(fetch, keys):
    """TODO: one sentence: what the function does.

    Contract:
    - TODO: the arguments (say, `fetch` is an async function of one argument), what is returned and in which
      order, what is raised, what runs concurrently, what is cancelled and when, what is left running (nothing).

    Example:
        await {names.function}(fetch, ["a", "b"])  # -> TODO: the result, and how long it takes

    Worth reading: TODO: the asyncio API this kata teaches, with a link
    (https://docs.python.org/3/library/asyncio.html).
    """
    raise NotImplementedError
'''


def solution(names: _Names) -> str:
    subject = names.title[:1].lower() + names.title[1:]
    return f'''"""Reference solution: {subject}."""


async def {names.function}(fetch, keys):
    raise NotImplementedError  # TODO: the reference solution: short and idiomatic, the stub's signature
'''


CHECK_NAMES = {
    "correctness": "test_results_as_the_contract_says",
    "concurrency": "test_work_runs_at_once",
    "timeout": "test_limits_are_kept",
    "exceptions": "test_errors_propagate_and_cancellation_is_kept",
}


def suite(names: _Names) -> str:
    checks = []
    for category in CATEGORIES:
        check = CHECK_NAMES.get(category, f"test_{category}")
        checks.append(f'''

@pytest.mark.category("{category}")
async def {check}(kata):
    """TODO: what this {category} check proves, in a learner's words (shown in the report)."""
    fake = FakeFetch(delay=units(1))
    outcome = await run(kata.{names.function}(fake, ["a", "b"]))
    expect(False, saw=outcome.describe(), expected="TODO: what the contract wants", mistake=NOT_WRITTEN)
''')
    return f'''"""Hidden suite: {names.name}.{names.function}(fetch, keys).

TODO: every check below is a placeholder that fails until written (tests/README.md says how: fakes, timing
policy, messages). Keep one check per category at least, or drop a category the kata cannot be wrong in.
"""

import pytest

from harness import FakeFetch, expect, run, units

NOT_WRITTEN = "this check is not written yet: write it in tests/katas/test_{names.name}.py"
''' + "".join(checks)


def right_example(names: _Names) -> str:
    return f'''"""TODO: another correct solution, written another reasonable way than the reference: say which way."""


async def {names.function}(fetch, keys):
    raise NotImplementedError  # TODO: a solution that must pass every check
'''


def wrong_example(names: _Names) -> str:
    return f'''"""TODO: a plausible wrong solution: say in one line what is wrong with it (here: it returns nothing)."""

CAUGHT_IN = "correctness"  # TODO: the category in which a check must fail


async def {names.function}(fetch, keys):
    return []
'''


def _validate(name: str, chapter: str, root: Path) -> dict:
    manifest = root / "grader" / "curriculum.toml"
    data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    if not name.isidentifier() or keyword.iskeyword(name) or name != name.lower():
        raise ScaffoldError(f"{name!r} is not a kata name: use a lower-case Python identifier, such as rate_limit")
    if any(entry["name"] == name for entry in data.get("kata", [])):
        raise ScaffoldError(f"a kata named {name!r} is already in grader/curriculum.toml")
    chapters = data.get("chapters", {})
    if chapter not in chapters:
        raise ScaffoldError(f"no chapter {chapter!r} in grader/curriculum.toml: one of {', '.join(chapters)}")
    return data


def new_kata(name: str, chapter: str, title: str | None = None, *, root: Path) -> list[Path]:
    """Makes kata NAME in CHAPTER (a key of the manifest's [chapters]) under `root`; returns the files written
    or changed. Raises ScaffoldError, having written nothing, when the name or chapter is wrong or a file of the
    kata already exists."""
    _validate(name, chapter, root)
    names = _Names(name=name, title=title or name.replace("_", " ").capitalize())
    files = {
        root / "exercises" / f"{name}.py": stub(names),
        root / "solutions" / f"{name}.py": solution(names),
        root / "tests" / "katas" / f"test_{name}.py": suite(names),
        root / "tests" / "right" / name / "another_way.py": right_example(names),
        root / "tests" / "wrong" / name / "returns_nothing.py": wrong_example(names),
    }
    for folder in (root / "tests" / "right" / name, root / "tests" / "wrong" / name):
        if folder.exists():
            raise ScaffoldError(f"{folder.relative_to(root)} already exists: a kata's files are never overwritten")
    for path in files:
        if path.exists():
            raise ScaffoldError(f"{path.relative_to(root)} already exists: a kata's files are never overwritten")
    manifest = root / "grader" / "curriculum.toml"
    text = manifest.read_text(encoding="utf-8")
    appended = add_to_manifest(text, manifest_entry(name, chapter, names.title), chapter)
    tomllib.loads(appended)  # the new manifest must parse, before anything is written
    readme_path = root / "README.md"
    if readme_path.is_file():
        readme.update(readme_path.read_text(encoding="utf-8"), [])  # the markers are there: raises if not

    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as stream:
            stream.write(content)
    manifest.write_text(appended, encoding="utf-8")
    load(manifest)  # the manifest, as the grader reads it, takes the new kata
    written = [manifest, *files]
    if readme_path.is_file() and readme.write(root):
        written.append(readme_path)
    if classroom.write(root):
        written.append(root / classroom.WORKFLOW)
    return written


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `new` subcommand's arguments, for the grader's command line to add to its subparser."""
    parser.add_argument("name", metavar="NAME", help="the kata's name, a lower-case Python identifier")
    parser.add_argument("--chapter", required=True, help="a key of [chapters] in grader/curriculum.toml")
    parser.add_argument("--title", help="the kata's title (default: made from its name)")


def run(args: argparse.Namespace, root: Path) -> int:
    """The `new` subcommand: makes the kata, says what it wrote and what to do next; 2 when refused."""
    try:
        written = new_kata(args.name, args.chapter, args.title, root=root)
    except ScaffoldError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Kata {args.name} made:")
    for path in written:
        print(f"  {path.relative_to(root)}")
    print(
        "Every TODO in them is yours to write (tests/README.md says how). Then:\n"
        f"  python -m grader {args.name} --target solutions    # the reference passes\n"
        f"  python -m grader verify {args.name}                # the stub, the banks: the kata is sound"
    )
    return 0


def main(argv: list[str] | None = None, root: Path | None = None) -> int:
    """`new NAME --chapter CHAPTER [--title TITLE]`: argv without the `new`."""
    parser = argparse.ArgumentParser(
        prog="python -m grader new", description="Scaffold a new kata: its manifest entry and its files."
    )
    add_arguments(parser)
    return run(parser.parse_args(sys.argv[1:] if argv is None else argv), root=root or Workspace.find().root)


if __name__ == "__main__":
    sys.exit(main())
