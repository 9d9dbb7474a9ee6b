"""The learner's progress, kept in progress.json at the workspace's root: per kata the best score, the last
status, when it was first passed and how many hints were shown; and the total score of each grading run.

Plain JSON, easy to copy between machines, written atomically. A missing file starts afresh; a corrupt one is
set aside (progress.json.corrupt) and rebuilt, with a warning, never a crash.
"""

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .results import KataResult, Status

HISTORY_KEPT = 200


@dataclass
class KataProgress:
    best_score: float = 0.0
    status: str = "not_graded"  # a Status once graded
    first_passed: str | None = None  # ISO 8601, UTC
    hints_shown: int = 0


@dataclass
class Progress:
    katas: dict[str, KataProgress] = field(default_factory=dict)
    history: list[dict] = field(default_factory=list)  # {"at", "score", "max_score", "passed"} per full run
    notice: str = ""  # what went wrong reading the file, for the learner; never saved

    def kata(self, name: str) -> KataProgress:
        return self.katas.setdefault(name, KataProgress())

    def record(self, results: list[KataResult], *, whole_curriculum: bool) -> None:
        now = _now()
        for result in results:
            entry = self.kata(result.kata.name)
            entry.best_score = max(entry.best_score, result.score)
            entry.status = result.status
            if result.status == Status.PASSED and entry.first_passed is None:
                entry.first_passed = now
        if whole_curriculum:
            self.history.append(
                {
                    "at": now,
                    "score": round(sum(result.score for result in results), 2),
                    "max_score": sum(result.kata.points for result in results),
                    "passed": sum(result.status == Status.PASSED for result in results),
                }
            )
            del self.history[:-HISTORY_KEPT]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def load(path: Path) -> Progress:
    if not path.exists():
        return Progress()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Progress(
            katas={name: KataProgress(**entry) for name, entry in data.get("katas", {}).items()},
            history=[dict(point) for point in data.get("history", [])],
        )
    except (ValueError, TypeError, AttributeError) as error:
        kept = path.with_name(path.name + ".corrupt")
        os.replace(path, kept)
        return Progress(
            notice=f"{path.name} could not be read ({error}): it was kept as {kept.name}, "
            "and your progress is rebuilt from this run on."
        )


def save(progress: Progress, path: Path) -> None:
    """Write to a temporary file beside it, then rename: a crash never leaves half a file."""
    data = {"katas": {name: asdict(entry) for name, entry in progress.katas.items()}, "history": progress.history}
    with tempfile.NamedTemporaryFile(
        "w", dir=path.parent, prefix=f".{path.name}.", delete=False, encoding="utf-8"
    ) as temporary:
        json.dump(data, temporary, indent=2)
        temporary.write("\n")
    os.replace(temporary.name, path)
