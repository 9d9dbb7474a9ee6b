"""The manifest and the three files of every kata agree with each other."""

import ast

import pytest
from here import WORKSPACE

from grader import curriculum, stubs


def _functions(path) -> dict[str, ast.AsyncFunctionDef | ast.FunctionDef]:
    """Public functions, and the methods of public classes as "Class.method"."""
    return stubs.public_functions(ast.parse(path.read_text()))


def _classes(path) -> dict[str, ast.ClassDef]:
    tree = ast.parse(path.read_text())
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def _signature(node) -> tuple:
    return type(node).__name__, ast.dump(node.args)


def test_every_kata_has_its_three_files(katas):
    for kata in katas:
        assert (WORKSPACE.exercises / f"{kata.name}.py").is_file(), f"{kata.name}: no stub"
        assert (WORKSPACE.solutions / f"{kata.name}.py").is_file(), f"{kata.name}: no reference solution"
        assert kata.suite(WORKSPACE.tests).is_file(), f"{kata.name}: no hidden suite"


def test_no_file_without_a_kata(katas):
    names = {kata.name for kata in katas}
    assert {path.stem for path in WORKSPACE.exercises.glob("*.py")} == names
    assert {path.stem for path in WORKSPACE.solutions.glob("*.py")} == names
    assert {path.stem.removeprefix("test_") for path in (WORKSPACE.tests / "katas").glob("test_*.py")} == names


def test_hints_come_in_steps(katas):
    for kata in katas:
        assert len(kata.hints) >= 2, f"{kata.name}: hints come in at least two steps"
        assert kata.points > 0 and kata.title


def test_no_hint_is_a_placeholder(katas):
    """`python -m grader new` writes two hints that start with TODO: a kata is not done until they are written."""
    for kata in katas:
        placeholders = [number for number, hint in enumerate(kata.hints, start=1) if "TODO" in hint]
        assert not placeholders, (
            f"{kata.name}: hint(s) {placeholders} in grader/curriculum.toml still say TODO: write the real hints"
        )


@pytest.mark.parametrize("kata", curriculum.load(), ids=lambda kata: kata.name)
def test_stub_teaches_and_matches_the_solution(kata):
    stub = _functions(WORKSPACE.exercises / f"{kata.name}.py")
    solution = _functions(WORKSPACE.solutions / f"{kata.name}.py")
    public = {name: node for name, node in stub.items() if not name.startswith("_")}
    classes = _classes(WORKSPACE.exercises / f"{kata.name}.py")
    assert public or classes, f"{kata.name}: the stub defines no function or class"
    assert any(not stubs.is_given(node) for node in public.values()) or classes, f"{kata.name}: nothing to write"
    for name, node in public.items():
        assert name in solution, f"{kata.name}: the solution has no {name}"
        assert _signature(node) == _signature(solution[name]), (
            f"{kata.name}.{name}: stub and solution signatures differ"
        )
        if stubs.is_given(node):  # a helper given ready-made: the solution uses the very same one
            assert ast.dump(node) == ast.dump(solution[name]), (
                f"{kata.name}.{name}: given, but not as the solution has it"
            )
            continue
        # A class's methods: the class's docstring teaches the contract.
        owner = classes.get(name.partition(".")[0]) if "." in name else None
        docstring = ast.get_docstring(owner if owner is not None else node) or ""
        for part in ("Contract:", "Example:", "Worth reading:"):
            assert part in docstring, f"{kata.name}.{name}: the docstring has no {part!r} section"
        body = node.body[1:] if ast.get_docstring(node) is not None else node.body  # after the docstring
        assert len(body) == 1 and isinstance(body[0], ast.Raise), f"{kata.name}.{name}: the body is not just a raise"
        assert ast.unparse(body[0].exc) == "NotImplementedError"
    module = ast.parse((WORKSPACE.exercises / f"{kata.name}.py").read_text())
    assert ast.get_docstring(module), f"{kata.name}: the stub has no module docstring introducing the kata"


@pytest.mark.parametrize("kata", curriculum.load(), ids=lambda kata: kata.name)
def test_every_stub_is_recognised_as_one(kata):
    """`reset` and `export` find a kata's original stub by this test: helpers given ready-made ("Given:") aside,
    every public function only raises NotImplementedError."""
    assert stubs.is_stub((WORKSPACE.exercises / f"{kata.name}.py").read_text())


def test_a_given_helper_does_not_make_a_stub_a_solution():
    given = 'def links(html):\n    """Given: the links."""\n    return []\n'
    stub = 'async def crawl(root):\n    """Crawl."""\n    raise NotImplementedError\n'
    assert stubs.is_stub(given + stub)
    assert not stubs.is_stub(given + stub.replace("raise NotImplementedError", "return {}"))
    assert not stubs.is_stub(given)  # nothing left to write is not a stub
