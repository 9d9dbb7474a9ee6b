"""The curriculum manifest (curriculum.toml), and the workspace: the copy of the katas being worked in."""

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

PACKAGED_MANIFEST = Path(__file__).with_name("curriculum.toml")


class NoWorkspace(Exception):
    """No copy of the katas here: said to the learner as it is."""


@dataclass(frozen=True)
class Workspace:
    """A copy of the katas: the folder holding exercises/ and grader/ (the authors' one also has solutions/ and the
    tests/ of the project). Found from the working folder, or named by KATAS_ROOT, never from where the grader is
    installed: a plain `pip install .` puts that in site-packages."""

    root: Path

    @classmethod
    def find(cls, start: Path | None = None) -> "Workspace":
        named = os.environ.get("KATAS_ROOT")
        if named:
            if not (Path(named) / "exercises").is_dir():
                raise NoWorkspace(f"KATAS_ROOT={named}: that folder has no exercises/")
            return cls(Path(named).resolve())
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / "exercises").is_dir() and (folder / "grader" / "curriculum.toml").is_file():
                return cls(folder)
        installed = PACKAGED_MANIFEST.resolve().parent.parent  # an editable install run from elsewhere
        if (installed / "exercises").is_dir():
            return cls(installed)
        raise NoWorkspace(
            f"{here} is not in a copy of the katas (a folder with exercises/ and grader/): run the grader from "
            "there, or set KATAS_ROOT to it"
        )

    @property
    def exercises(self) -> Path:
        return self.root / "exercises"

    @property
    def solutions(self) -> Path:
        return self.root / "solutions"

    @property
    def tests(self) -> Path:
        return self.root / "tests"

    @property
    def stubs(self) -> Path:
        """The original stubs, as a handout keeps them for `reset` (a handout has no git history)."""
        return self.root / ".stubs"

    @property
    def progress_file(self) -> Path:
        return self.root / "progress.json"

    @property
    def manifest(self) -> Path:
        own = self.root / "grader" / "curriculum.toml"
        return own if own.is_file() else PACKAGED_MANIFEST


@dataclass(frozen=True)
class Kata:
    number: int
    name: str
    chapter: str
    title: str
    points: int
    hints: tuple[str, ...]

    def suite(self, tests: Path) -> Path:
        return tests / "katas" / f"test_{self.name}.py"


def load(manifest: Path = PACKAGED_MANIFEST) -> list[Kata]:
    """The katas in curriculum order; a manifest that contradicts itself is a bug, said at once."""
    data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    chapters = data["chapters"]
    katas = []
    for number, entry in enumerate(data["kata"], start=1):
        if entry["chapter"] not in chapters:
            raise ValueError(f"{manifest}: kata {entry['name']!r} names unknown chapter {entry['chapter']!r}")
        katas.append(
            Kata(
                number=number,
                name=entry["name"],
                chapter=chapters[entry["chapter"]],
                title=entry["title"],
                points=int(entry["points"]),
                hints=tuple(entry["hints"]),
            )
        )
    names = [kata.name for kata in katas]
    if len(set(names)) != len(names):
        raise ValueError(f"{manifest}: a kata name appears twice")
    return katas
