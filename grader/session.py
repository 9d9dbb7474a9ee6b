"""`watch`: the learner's loop. Grade the current kata (the first not yet passed), and again every time a
Python file in exercises/ is saved; when it passes, say so and move on to the next. Commands, typed then
Enter: n(ext), h(int), l(ist), r(egrade), q(uit).

File-system events come from watchfiles, which also sees editors that save through a temporary file and a
rename. Where events do not arrive (network drives, some containers and VMs), --poll checks for changes
instead, and `r` always grades again by hand.
"""

import argparse
import queue
import sys
import threading

import watchfiles
from rich.console import Console
from rich.text import Text

from . import commands, progress, report, runner
from .curriculum import EXERCISES, Kata
from .results import PASSED

HELP = "Save the file to grade again. Commands (then Enter): n(ext)  h(int)  l(ist)  r(egrade)  q(uit)"


def _watch_files(events: queue.Queue, stop: threading.Event, poll: bool) -> None:
    # A short debounce: grading starts well within a second of the save.
    for changes in watchfiles.watch(
        EXERCISES,
        watch_filter=watchfiles.PythonFilter(),
        stop_event=stop,
        debounce=150,
        step=50,
        force_polling=poll or None,
        yield_on_timeout=False,
    ):
        events.put(("saved", sorted({path for _, path in changes})))


def _read_commands(events: queue.Queue) -> None:
    for line in sys.stdin:
        events.put(("command", line.strip().lower()))


class Session:
    def __init__(self, console: Console, katas: list[Kata], args: argparse.Namespace) -> None:
        self.console, self.katas, self.args = console, katas, args
        self.kata = commands.current(katas, commands.load_progress(console)) or katas[-1]
        self.ready = runner.SuiteProcess(args.tests)  # booted while the learner types

    def _process(self) -> runner.SuiteProcess:
        """The process booted ahead, handing over to a fresh one for next time."""
        process, self.ready = self.ready, runner.SuiteProcess(self.args.tests)
        return process

    def close(self) -> None:
        self.ready.close()

    def grade(self) -> None:
        """Grade the current kata; while it passes, move on to the next and grade that."""
        self.console.clear()
        while True:
            self.console.print(Text(f"Grading {self.kata.number}. {self.kata.title} ({self.kata.name})…", style="dim"))
            result = runner.grade(
                self.kata, EXERCISES, tests=self.args.tests, time_limit=self.args.time_limit, process=self._process()
            )
            state = commands.load_progress(self.console)
            state.record([result], whole_curriculum=False)
            progress.save(state)
            self.console.print(report.problems(result, EXERCISES.name))
            following = self.katas.index(self.kata) + 1
            if result.status != PASSED:
                break
            if following == len(self.katas):
                self.console.print(Text("That was the last kata: every one passes. Well done!", style="bold green"))
                break
            self.console.print(Text(f"✓ {self.kata.name} passes. On to the next kata.", style="bold green"))
            self.kata = self.katas[following]
        self.console.print(Text(HELP, style="dim"))

    def command(self, word: str) -> bool:
        """Act on a typed command; False to stop watching."""
        if word in ("q", "quit", "exit"):
            return False
        if word in ("n", "next"):
            self.kata = self.katas[min(self.katas.index(self.kata) + 1, len(self.katas) - 1)]
            self.grade()
        elif word in ("h", "hint"):
            commands.hint(self.console, self.kata)
        elif word in ("l", "list"):
            commands.curriculum_list(self.console, self.katas)
        elif word in ("r", "regrade", ""):
            self.grade()
        else:
            self.console.print(Text(f"Unknown command {word!r}. {HELP}", style="yellow"))
        return True


def watch(console: Console, katas: list[Kata], args: argparse.Namespace) -> int:
    session = Session(console, katas, args)
    events: queue.Queue = queue.Queue()
    stop = threading.Event()
    threading.Thread(target=_watch_files, args=(events, stop, args.poll), daemon=True).start()
    threading.Thread(target=_read_commands, args=(events,), daemon=True).start()
    session.grade()
    try:
        while True:
            kind, detail = events.get()
            if kind == "saved":
                session.grade()
            elif not session.command(detail):
                return 0
    except KeyboardInterrupt:
        return 0
    finally:
        stop.set()
        session.close()
