"""The original stub of a kata, for `reset`: the newest version in the repository's git history that is
still a stub (learner commits come after it; upstream fixes to the stub are kept)."""

import ast
import subprocess

from .curriculum import EXERCISES, ROOT, Kata

HISTORY_SEARCHED = 100


class StubNotFound(Exception):
    pass


def is_stub(source: str) -> bool:
    """Every public function is only a docstring and `raise NotImplementedError`."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    functions = public_functions(tree)
    return bool(functions) and all(_raises_not_implemented(function) for function in functions.values())


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


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True).stdout


def original(kata: Kata) -> str:
    path = (EXERCISES / f"{kata.name}.py").relative_to(ROOT).as_posix()
    try:
        commits = _git("log", f"--max-count={HISTORY_SEARCHED}", "--format=%H", "--", path).split()
        for commit in commits:
            source = _git("show", f"{commit}:{path}")
            if is_stub(source):
                return source
    except (OSError, subprocess.CalledProcessError) as error:
        raise StubNotFound(f"reset needs the repository's git history, which could not be read ({error})") from None
    raise StubNotFound(f"no version of {path} in the git history is the original stub")
