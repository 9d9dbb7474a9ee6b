"""`watch`: the learner's loop. Grade the current kata (the first not yet passed, or the one named), and again
every time a kata's file in exercises/ is saved (the kata whose file it is); when it passes, say so and move on to
the next. Commands, typed then Enter: n(ext), p(rev), j(ump) NAME, h(int), l(ist), r(egrade), q(uit).

File-system events come from watchfiles, which also sees editors that save through a temporary file and a
rename. Where events do not arrive (network drives, some containers and VMs), --poll checks for changes
instead, and `r` always grades again by hand.
"""

import difflib
import queue
import sys
import threading
from pathlib import Path

import watchfiles
from rich.text import Text

from . import commands, report, runner
from .curriculum import Kata
from .grading import record
from .results import Status

KEYS = "n(ext)  p(rev)  j(ump) NAME  h(int)  l(ist)  r(egrade)  q(uit)"
HELP = f"Save the file to grade again. Commands (then Enter): {KEYS}"


def _watch_files(folder: Path, events: queue.Queue, stop: threading.Event, poll: bool) -> None:
    # A short debounce: grading starts well within a second of the save.
    for changes in watchfiles.watch(
        folder,
        watch_filter=watchfiles.PythonFilter(),
        stop_event=stop,
        debounce=150,
        step=50,
        force_polling=poll or None,
        yield_on_timeout=False,
    ):
        events.put(("saved", sorted({Path(path) for _, path in changes})))


def _read_commands(events: queue.Queue) -> None:
    for line in sys.stdin:
        events.put(("command", line.strip()))


class Session:
    def __init__(self, context, options: runner.Options, start: Kata | None) -> None:
        self.context, self.options = context, options
        self.console, self.katas = context.console, context.katas
        progress = commands.load_progress(self.console, context.workspace)
        self.kata = start or commands.current(self.katas, progress) or self.katas[-1]
        self.ready = runner.SuiteProcess(options)  # booted while the learner types

    def _process(self) -> runner.SuiteProcess:
        """The process booted ahead, handing over to a fresh one for next time."""
        process, self.ready = self.ready, runner.SuiteProcess(self.options)
        return process

    def close(self) -> None:
        self.ready.close()

    def grade(self) -> None:
        """Grade the current kata; while it passes, move on to the next and grade that."""
        self.console.clear()
        exercises = self.context.workspace.exercises
        while True:
            self.console.print(Text(f"Grading {self.kata.number}. {self.kata.title} ({self.kata.name})…", style="dim"))
            result = runner.grade(self.kata, exercises, self.options, process=self._process())
            record(self.console, self.context.workspace, [result], whole_curriculum=False)
            self.console.print(report.problems(result, exercises.name, in_watch=True))
            following = self.katas.index(self.kata) + 1
            if result.status != Status.PASSED:
                break
            if following == len(self.katas):
                self.console.print(Text("That was the last kata: every one passes. Well done!", style="bold green"))
                break
            self.console.print(Text(f"✓ {self.kata.name} passes. On to the next kata.", style="bold green"))
            self.kata = self.katas[following]
        self.console.print(Text(HELP, style="dim"))

    def saved(self, paths: list[Path]) -> None:
        """Grade the kata whose file was saved (the current one first, if several were)."""
        names = [path.stem for path in paths]
        kata = self.kata if self.kata.name in names else next((k for k in self.katas if k.name in names), None)
        if kata is not None:
            self.kata = kata
            self.grade()

    def command(self, line: str) -> bool:
        """Act on a typed command; False to stop watching."""
        word, _, rest = line.partition(" ")
        word, index = word.lower(), self.katas.index(self.kata)
        if word in ("q", "quit", "exit"):
            return False
        if word in ("n", "next", "p", "prev"):
            step = 1 if word.startswith("n") else -1
            self.kata = self.katas[min(max(index + step, 0), len(self.katas) - 1)]
            self.grade()
        elif word in ("j", "jump"):
            self.jump(rest.strip())
        elif word in ("h", "hint"):
            commands.hint(self.console, self.context.workspace, self.kata, again="h")
        elif word in ("l", "list"):
            commands.curriculum_list(self.console, self.context.workspace, self.katas)
        elif word in ("r", "regrade", ""):
            self.grade()
        else:
            self.console.print(Text(f"Unknown command {line!r}. {HELP}", style="yellow"))
        return True

    def jump(self, name: str) -> None:
        by_name = {kata.name: kata for kata in self.katas}
        by_number = {str(kata.number): kata for kata in self.katas}
        kata = by_name.get(name) or by_number.get(name)
        if kata is None:
            close = difflib.get_close_matches(name, list(by_name), n=1)
            self.console.print(
                Text(
                    f"No kata named {name!r}" + (f": did you mean {close[0]}?" if close else ": `l` lists them."),
                    style="yellow",
                )
            )
            return
        self.kata = kata
        self.grade()


def watch(context, options: runner.Options, *, start: Kata | None, poll: bool) -> int:
    session = Session(context, options, start)
    events: queue.Queue = queue.Queue()
    stop = threading.Event()
    folder = context.workspace.exercises
    threading.Thread(target=_watch_files, args=(folder, events, stop, poll), daemon=True).start()
    threading.Thread(target=_read_commands, args=(events,), daemon=True).start()
    session.grade()
    try:
        while True:
            kind, detail = events.get()
            if kind == "saved":
                session.saved(detail)
            elif not session.command(detail):
                return 0
    except KeyboardInterrupt:
        return 0
    finally:
        stop.set()
        session.close()
