"""The learner's side: where their modules are, how one is loaded, and where in them an error passed."""

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType, TracebackType

# The grader says which folder is being graded (exercises/, solutions/, a wrong solution's folder).
TARGET = Path(os.environ.get("KATA_TARGET", Path(__file__).resolve().parents[2] / "exercises")).resolve()


def module_path(name: str) -> Path:
    return TARGET / f"{name}.py"


def load(name: str) -> ModuleType:
    """Import `name` from the target folder by path, without putting that folder on sys.path
    (a learner file named like a library must not shadow it)."""
    path = module_path(name)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def shown(path: str | Path) -> str:
    """A learner file as the learner knows it: 'exercises/gather_results.py'."""
    path = Path(path)
    return f"{TARGET.name}/{path.relative_to(TARGET)}" if path.is_relative_to(TARGET) else str(path)


def location(traceback: TracebackType | None) -> str | None:
    """The last place in the learner's files that a traceback passed through, as 'file, line N'."""
    found = None
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        if Path(filename).is_relative_to(TARGET):
            found = f"{shown(filename)}, line {traceback.tb_lineno}"
        traceback = traceback.tb_next
    return found
