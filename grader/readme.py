"""README.md's list of katas, made from the manifest so the two never drift apart: the text between the
`<!-- katas -->` and `<!-- /katas -->` markers is generated, by chapter, in curriculum order.

    python -m grader.readme        # rewrites README.md in place
    python -m grader.readme --check  # exits 1, saying so, when README.md's list is not the manifest's
"""

import sys
from itertools import groupby
from pathlib import Path

from .curriculum import Kata, Workspace, load

START, END = "<!-- katas -->", "<!-- /katas -->"
COMMAND = "python -m grader.readme"


def kata_list(katas: list[Kata]) -> str:
    """The katas as Markdown: one heading per chapter (in the order chapters first appear), then the chapter's
    katas, numbered as the curriculum numbers them."""
    sections = []
    for chapter, members in groupby(katas, key=lambda kata: kata.chapter):
        lines = [f"### {chapter}", ""]
        lines += [f"{kata.number}. `{kata.name}`: {kata.title}" for kata in members]
        sections.append("\n".join(lines))
    return "\n\n".join(sections)


def update(readme_text: str, katas: list[Kata]) -> str:
    """README's text with the list between its markers made from `katas`; everything else as it was."""
    start = readme_text.find(START)
    end = readme_text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"README.md has no {START} ... {END} markers around its list of katas")
    return readme_text[: start + len(START)] + "\n" + kata_list(katas) + "\n" + readme_text[end:]


def write(root: Path) -> bool:
    """Regenerates root/README.md's list from root/grader/curriculum.toml; True if the file changed."""
    path = root / "README.md"
    text = path.read_text(encoding="utf-8")
    new = update(text, load(root / "grader" / "curriculum.toml"))
    if new == text:
        return False
    path.write_text(new, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--check"]:
        workspace = Workspace.find()
        text = (workspace.root / "README.md").read_text(encoding="utf-8")
        if update(text, load(workspace.manifest)) != text:
            print(f"README.md's list of katas differs from grader/curriculum.toml: run `{COMMAND}`", file=sys.stderr)
            return 1
        return 0
    if argv:
        print(f"usage: {COMMAND} [--check]", file=sys.stderr)
        return 2
    changed = write(Workspace.find().root)
    print("README.md's list of katas " + ("regenerated" if changed else "was up to date"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
