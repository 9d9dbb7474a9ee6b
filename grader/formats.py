"""Grading results for machines: the grader's own JSON, Gradescope's results.json, JUnit XML."""

import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from .results import KataResult, Status


def _total(results: list[KataResult]) -> float:
    return round(sum(result.score for result in results), 2)


def to_json(results: list[KataResult], target: Path) -> str:
    return json.dumps(
        {
            "target": str(target),
            "score": _total(results),
            "max_score": sum(result.kata.points for result in results),
            "katas": [
                {
                    "name": result.kata.name,
                    "title": result.kata.title,
                    "chapter": result.kata.chapter,
                    "status": result.status,
                    "score": result.score,
                    "max_score": result.kata.points,
                    "reason": result.reason,
                    "seconds": round(result.seconds, 3),
                    "categories": {
                        category: {"passed": passed, "total": total}
                        for category, (passed, total) in result.categories().items()
                    },
                    "checks": [
                        {
                            "name": check.name,
                            "category": check.category,
                            "description": check.description,
                            "passed": check.passed,
                            "message": check.message,
                        }
                        for check in result.checks
                    ],
                }
                for result in results
            ],
        },
        indent=2,
    )


def _check_output(result: KataResult, message: str) -> str:
    return f"{result.reason}\n{message}".strip() if result.reason and message != result.reason else message


def to_gradescope(results: list[KataResult], seconds: float) -> str:
    """Gradescope's results.json: one test per check, worth its share of the kata's points, so the
    gradebook shows partial credit and every failing check's message."""
    tests = []
    for result in results:
        kata = result.kata
        if not result.checks:  # nothing could run: one failed test carries the kata's points and reason
            tests.append(
                {
                    "name": f"{kata.number}. {kata.title}",
                    "score": 0,
                    "max_score": kata.points,
                    "status": "failed",
                    "output": result.reason,
                    "tags": [kata.name],
                    "visibility": "visible",
                }
            )
        for position, check in enumerate(result.checks, start=1):
            tests.append(
                {
                    "name": f"{kata.number}. {kata.title}: {check.description or check.name}",
                    "number": f"{kata.number}.{position}",
                    "score": round(result.earned(check), 4),
                    "max_score": round(result.weight(check), 4),
                    "status": "passed" if result.earned(check) else "failed",
                    "output": "" if check.passed and not result.reason else _check_output(result, check.message),
                    "tags": [kata.name, check.category],
                    "visibility": "visible",
                }
            )
    passed = sum(result.status == Status.PASSED for result in results)
    return json.dumps(
        {
            "score": _total(results),
            "execution_time": round(seconds, 2),
            "output": f"{passed} of {len(results)} katas passed.",
            "stdout_visibility": "visible",
            "tests": tests,
        },
        indent=2,
    )


def to_junit(results: list[KataResult], seconds: float) -> str:
    """JUnit XML, one test suite per kata and one test case per check, for CI systems."""
    suites = ElementTree.Element("testsuites", name="asyncio katas", time=f"{seconds:.3f}")
    for result in results:
        failures = len(result.failures) if not result.reason else 0
        suite = ElementTree.SubElement(
            suites,
            "testsuite",
            name=result.kata.name,
            tests=str(len(result.checks)),
            failures=str(failures),
            errors=str(len(result.checks) if result.reason else 0),
            time=f"{result.seconds:.3f}",
        )
        if result.reason and not result.checks:
            ElementTree.SubElement(suite, "testcase", classname=result.kata.name, name="suite").append(
                _problem("error", result.reason)
            )
        for check in result.checks:
            case = ElementTree.SubElement(
                suite, "testcase", classname=f"{result.kata.name}.{check.category}", name=check.name
            )
            if result.reason:
                case.append(_problem("error", _check_output(result, check.message)))
            elif not check.passed:
                case.append(_problem("failure", check.message))
    ElementTree.indent(suites)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _problem(tag: str, message: str) -> ElementTree.Element:
    element = ElementTree.Element(tag, message=message.splitlines()[0] if message else tag)
    element.text = message
    return element
