"""The curriculum manifest (curriculum.toml) and where each kata's files live."""

import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = Path(__file__).with_name("curriculum.toml")
EXERCISES = ROOT / "exercises"
SOLUTIONS = ROOT / "solutions"
TESTS = ROOT / "tests"


@dataclass(frozen=True)
class Kata:
    number: int
    name: str
    chapter: str
    title: str
    points: int
    hints: tuple[str, ...]

    def suite(self, tests: Path = TESTS) -> Path:
        return tests / "katas" / f"test_{self.name}.py"


def load(manifest: Path = MANIFEST) -> list[Kata]:
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
