"""The original stub of a kata, for `reset` and `export`: the copy a handout keeps in .stubs/, or else the newest
version in the repository's git history that is still a stub (learner commits come after it; upstream fixes to
the stub are kept)."""

import ast
import subprocess

from .curriculum import Kata, Workspace

HISTORY_SEARCHED = 100


class StubNotFound(Exception):
    pass


def is_stub(source: str) -> bool:
    """Every public function, and every method of a public class but its `__init__`, is only a docstring and
    `raise NotImplementedError`; but for helpers the stub gives the learner ready-made (`is_given`)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    functions = [function for function in public_functions(tree).values() if not is_given(function)]
    return bool(functions) and all(_raises_not_implemented(function) for function in functions)


def is_given(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A helper the stub gives ready-made, for the learner to use as it is (its docstring starts "Given:")."""
    return (ast.get_docstring(function) or "").startswith("Given:")


def public_functions(tree: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """The functions a learner writes: public top-level functions, and the methods of public top-level classes
    (named "Class.method"; dunders such as __init__ and __aenter__ included, _private ones not)."""
    found = {}
    for node in tree.body:
        if getattr(node, "name", "_").startswith("_"):
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for method in node.body:
                if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                    not method.name.startswith("_") or (method.name.startswith("__") and method.name.endswith("__"))
                ):
                    found[f"{node.name}.{method.name}"] = method
    return found


def _raises_not_implemented(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    body = function.body[1:] if ast.get_docstring(function) is not None else function.body
    return (
        len(body) == 1
        and isinstance(body[0], ast.Raise)
        and body[0].exc is not None
        and ast.unparse(body[0].exc) in ("NotImplementedError", "NotImplementedError()")
    )


def _git(workspace: Workspace, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(workspace.root), *args], capture_output=True, text=True, check=True, stdin=subprocess.DEVNULL
    ).stdout


def original(workspace: Workspace, kata: Kata) -> str:
    kept = workspace.stubs / f"{kata.name}.py"
    if kept.is_file():
        return kept.read_text(encoding="utf-8")
    if not (workspace.root / ".git").exists():
        raise StubNotFound(
            f"this copy of the katas has neither its original stubs ({kept.parent.name}/) nor a git history"
        )
    path = (workspace.exercises / f"{kata.name}.py").relative_to(workspace.root).as_posix()
    try:
        commits = _git(workspace, "log", f"--max-count={HISTORY_SEARCHED}", "--format=%H", "--", path).split()
        for commit in commits:
            source = _git(workspace, "show", f"{commit}:{path}")
            if is_stub(source):
                return source
    except (OSError, subprocess.CalledProcessError) as error:
        raise StubNotFound(f"the repository's git history could not be read ({error})") from None
    raise StubNotFound(f"no version of {path} in the git history is the original stub")
