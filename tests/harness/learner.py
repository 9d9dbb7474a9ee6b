"""The learner's side, as the judge knows it: where the module being graded is, and how it is named to them."""

import os
from pathlib import Path

# The grader says which folder is being graded (exercises/, solutions/, a wrong solution's folder).
TARGET = Path(os.environ.get("KATA_TARGET", Path(__file__).resolve().parents[2] / "exercises")).resolve()


def module_path(name: str) -> Path:
    return TARGET / f"{name}.py"


def shown(path: str | Path) -> str:
    """A learner file as the learner knows it: 'exercises/gather_results.py'."""
    path = Path(path)
    return f"{TARGET.name}/{path.relative_to(TARGET)}" if path.is_relative_to(TARGET) else str(path)
