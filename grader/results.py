"""What grading a kata found: its checks, its status, its score."""

from dataclasses import dataclass, field

from .curriculum import Kata

CATEGORIES = ("correctness", "concurrency", "timeout", "exceptions")

PASSED, FAILED, NOT_STARTED, ERROR = "passed", "failed", "not_started", "error"


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
    def status(self) -> str:
        if self.reason:
            return ERROR
        if all(check.passed for check in self.checks):
            return PASSED
        if all(not check.passed and check.not_implemented for check in self.checks):
            return NOT_STARTED
        return FAILED

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
        return self.weight(check) if check.passed and self.status not in (ERROR, NOT_STARTED) else 0.0

    @property
    def score(self) -> float:
        return round(sum(self.earned(check) for check in self.checks), 2)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.passed]
