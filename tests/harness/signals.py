"""Signals the judge sends to the sandbox, and what the kernel says the sandbox does with them.

`caught(pid)` reads the set of signals a process has a handler for from /proc/PID/status (SigCgt): the kernel's
word, not the process's. Python itself catches SIGINT (KeyboardInterrupt) from the start; SIGTERM is caught only
once the learner's code installs a handler for it (`loop.add_signal_handler`), and no longer once that handler is
removed. `SignalSender` sends signals to the sandbox's process and records when (the judge's clock); it sends one
only once the sandbox catches SIGTERM, so that a signal never reaches a process with no handler at all (SIGTERM
would end it there and then), and tells the check if it never does.
"""

import os
import signal
from dataclasses import dataclass

from .sandbox import current_sandbox
from .timing import real_perf_counter, until


def caught(pid: int) -> set[int]:
    """The signal numbers process `pid` has a handler for (SigCgt); empty if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("SigCgt:"):
                    mask = int(line.split()[1], 16)
                    return {number + 1 for number in range(64) if mask >> number & 1}
    except OSError:
        pass
    return set()


@dataclass
class Sent:
    signum: int
    at: float  # real_perf_counter, the judge's clock

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


class SignalSender:
    """`sender = SignalSender()` in a check, then `await sender.installed(within)` (whether the sandbox catches
    SIGTERM), `sender.send(signal.SIGTERM)`, `sender.handled()` (whether it still catches SIGTERM: after the code
    removed its handlers it must not). `sent` records every signal sent, in order."""

    def __init__(self) -> None:
        self.pid = current_sandbox().pid
        self.sent: list[Sent] = []

    def handled(self) -> bool:
        return signal.SIGTERM in caught(self.pid)

    async def installed(self, within: float) -> bool:
        return await until(self.handled, within)

    def send(self, signum: int) -> Sent:
        sent = Sent(signum, real_perf_counter())
        self.sent.append(sent)
        os.kill(self.pid, signum)
        return sent
