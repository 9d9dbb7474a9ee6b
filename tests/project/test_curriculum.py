"""The manifest and the three files of every kata agree with each other."""

import ast

import pytest

from grader import curriculum


def _functions(path) -> dict[str, ast.AsyncFunctionDef | ast.FunctionDef]:
    tree = ast.parse(path.read_text())
    return {node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def _classes(path) -> dict[str, ast.ClassDef]:
    return {node.name: node for node in ast.parse(path.read_text()).body if isinstance(node, ast.ClassDef)}


def _methods(node: ast.ClassDef) -> dict[str, ast.AsyncFunctionDef | ast.FunctionDef]:
    """A class's public methods and __init__: its contract, where a kata's API is a class."""
    return {
        item.name: item
        for item in node.body
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
        and (not item.name.startswith("_") or item.name == "__init__")
    }


def _just_raises(node) -> bool:
    body = node.body[1:] if ast.get_docstring(node) is not None else node.body
    return len(body) == 1 and isinstance(body[0], ast.Raise) and ast.unparse(body[0].exc) == "NotImplementedError"


def _signature(node) -> tuple:
    return type(node).__name__, ast.dump(node.args)


def test_every_kata_has_its_three_files(katas):
    for kata in katas:
        assert (curriculum.EXERCISES / f"{kata.name}.py").is_file(), f"{kata.name}: no stub"
        assert (curriculum.SOLUTIONS / f"{kata.name}.py").is_file(), f"{kata.name}: no reference solution"
        assert kata.suite().is_file(), f"{kata.name}: no hidden suite"


def test_no_file_without_a_kata(katas):
    names = {kata.name for kata in katas}
    assert {path.stem for path in curriculum.EXERCISES.glob("*.py")} == names
    assert {path.stem for path in curriculum.SOLUTIONS.glob("*.py")} == names
    assert {path.stem.removeprefix("test_") for path in (curriculum.TESTS / "katas").glob("test_*.py")} == names


def test_hints_come_in_steps(katas):
    for kata in katas:
        assert len(kata.hints) >= 2, f"{kata.name}: hints come in at least two steps"
        assert kata.points > 0 and kata.title


@pytest.mark.parametrize("kata", curriculum.load(), ids=lambda kata: kata.name)
def test_stub_teaches_and_matches_the_solution(kata):
    stub = _functions(curriculum.EXERCISES / f"{kata.name}.py")
    solution = _functions(curriculum.SOLUTIONS / f"{kata.name}.py")
    public = {name: node for name, node in stub.items() if not name.startswith("_")}
    classes = {name: node for name, node in _classes(curriculum.EXERCISES / f"{kata.name}.py").items()}
    assert public or classes, f"{kata.name}: the stub defines no function or class"
    solution_classes = _classes(curriculum.SOLUTIONS / f"{kata.name}.py")
    for name, node in classes.items():  # a class: its docstring teaches, each method's body is just a raise
        assert name in solution_classes, f"{kata.name}: the solution has no class {name}"
        docstring = ast.get_docstring(node) or ""
        for part in ("Contract:", "Example:", "Worth reading:"):
            assert part in docstring, f"{kata.name}.{name}: the class docstring has no {part!r} section"
        solved = _methods(solution_classes[name])
        for method, item in _methods(node).items():
            assert method in solved, f"{kata.name}: the solution's {name} has no {method}"
            assert _signature(item) == _signature(solved[method]), f"{kata.name}.{name}.{method}: signatures differ"
            assert _just_raises(item), f"{kata.name}.{name}.{method}: the body is not just a raise"
    for name, node in public.items():
        assert name in solution, f"{kata.name}: the solution has no {name}"
        assert _signature(node) == _signature(solution[name]), (
            f"{kata.name}.{name}: stub and solution signatures differ"
        )
        docstring = ast.get_docstring(node) or ""
        for part in ("Contract:", "Example:", "Worth reading:"):
            assert part in docstring, f"{kata.name}.{name}: the docstring has no {part!r} section"
        body = node.body[1:]  # after the docstring
        assert len(body) == 1 and isinstance(body[0], ast.Raise), f"{kata.name}.{name}: the body is not just a raise"
        assert ast.unparse(body[0].exc) == "NotImplementedError"
    module = ast.parse((curriculum.EXERCISES / f"{kata.name}.py").read_text())
    assert ast.get_docstring(module), f"{kata.name}: the stub has no module docstring introducing the kata"
