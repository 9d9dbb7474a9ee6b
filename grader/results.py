"""What grading a kata found: its checks, its status, its score."""

from dataclasses import dataclass, field
from enum import StrEnum

from .curriculum import Kata

# What a check proves; the judge's plugin takes the list from here too.
CATEGORIES = ("correctness", "concurrency", "timeout", "exceptions")


class Status(StrEnum):
    """A kata's status after grading, as reports and progress.json spell it."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_STARTED = "not_started"
    ERROR = "error"


@dataclass
class Check:
    name: str
    category: str
    description: str
    passed: bool
    message: str = ""
    not_implemented: bool = False


@dataclass
class KataResult:
    kata: Kata
    checks: list[Check] = field(default_factory=list)
    reason: str = ""  # why the kata could not be graded at all: the status is then "error"
    seconds: float = 0.0

    @property
    def status(self) -> Status:
        if self.reason:
            return Status.ERROR
        if all(check.passed for check in self.checks):
            return Status.PASSED
        if all(not check.passed and check.not_implemented for check in self.checks):
            return Status.NOT_STARTED
        return Status.FAILED

    def categories(self) -> dict[str, tuple[int, int]]:
        """(passed, total) for each category this kata has checks in, in the usual order."""
        counts = {}
        for category in CATEGORIES:
            checks = [check for check in self.checks if check.category == category]
            if checks:
                counts[category] = (sum(check.passed for check in checks), len(checks))
        return counts

    def weight(self, check: Check) -> float:
        """The points a check is worth: each category with checks weighs the same; within one, each check does."""
        counts = self.categories()
        return self.kata.points / len(counts) / counts[check.category][1]

    def earned(self, check: Check) -> float:
        """What a check earned. A kata that could not be graded, or has not been started, earns nothing."""
        return self.weight(check) if check.passed and self.status not in (Status.ERROR, Status.NOT_STARTED) else 0.0

    @property
    def score(self) -> float:
        return round(sum(self.earned(check) for check in self.checks), 2)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.passed]
