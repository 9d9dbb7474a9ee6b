"""Hidden suite: run_command.run_command(argv, *, timeout, on_line).

The programs are the judge's own (harness.programs): Python scripts run with the sandbox's interpreter that
follow a plan and report to the judge over a connection of their own, so the judge sees each one's pid, when it
wrote what, whether it was still running when a line was handed on, and when it died. Whether it had been
reaped when the call ended is judged by its /proc state at that moment and by the sandbox's list of its
children in the very step the call ended (which can only fail a check). `on_line` is a FakeFetch: its calls,
their order, how many ran at once and their cancellation are the judge's records.
"""

import asyncio
import math
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from harness import (
    AtEnd,
    FakeFetch,
    KataCall,
    LoopErrors,
    LoopWatch,
    Outcome,
    expect,
    expect_no_leaked_tasks,
    run,
    seconds,
    short,
    units,
)
from harness.checks import swallowed
from harness.programs import (
    PATIENCE,
    Programs,
    bulk,
    check_stdin,
    err,
    exit_with,
    out,
    pause,
    tell,
    wait_for,
)


class LineError(Exception):
    """What on_line raises in a check: it must come out of run_command as it is."""


def sink(**options) -> FakeFetch:
    """on_line: returns None; by default at once (in turns of the sandbox's loop)."""
    options.setdefault("ticks", True)
    options.setdefault("delay", 0)
    return FakeFetch(results=lambda line: None, **options)


def lines_mistake(seen: list, expected: list) -> str | None:
    """The usual cause of the wrong lines reaching on_line, judged from what arrived."""
    if seen == [line.strip() for line in expected]:
        return "strip() removes spaces and '\\r' too: remove only the '\\n' that ends the line"
    if seen == [line + "\n" for line in expected[:-1]] + expected[-1:] or seen == [line + "\n" for line in expected]:
        return "the '\\n' that ends each line was left on it"
    if seen == expected[:-1]:
        return "the last line has no '\\n' after it, and was dropped: pass what is left at the end too, if any"
    if seen == "\n".join(expected).splitlines():
        return (
            "str.splitlines() also splits at '\\r', '\\x0c', '\\u2028' and more: split the bytes at b'\\n' only "
            "(readuntil(b'\\n'), or read() and split)"
        )
    if any("\ufffd" in line for line in seen) and not any("\ufffd" in line for line in expected):
        return (
            "text was decoded piece by piece, and a piece can end inside a character: split the bytes into lines "
            "first, then decode each line"
        )
    return None


def error_mistake(error: BaseException | None) -> str | None:
    if isinstance(error, UnicodeDecodeError):
        return "the program's output is not always valid UTF-8: decode with errors='replace'"
    if isinstance(error, ValueError) and ("limit" in str(error) or "chunk" in str(error) or "Separator" in str(error)):
        return (
            "readline() (and `async for line in process.stdout`) refuses lines longer than the reader's limit, "
            "64 KiB: read chunks with read(n) and split them into lines yourself, or catch LimitOverrunError and "
            "read on"
        )
    if isinstance(error, PermissionError) and "sandbox" in str(error):
        return "the program is run through a shell: run it as it is, asyncio.create_subprocess_exec(*argv, ...)"
    return None


# --- what it returns and hands on ---------------------------------------------------------------------------------

STDOUT = b"alpha\n\n  spaced  \ncrlf\r\nform\x0cfeed\xe2\x80\xa8sep\ncaf\xe9\nlast without newline"
LINES = ["alpha", "", "  spaced  ", "crlf\r", "form\x0cfeed\u2028sep", "caf\ufffd", "last without newline"]


@pytest.mark.category("correctness")
async def test_lines_and_result(kata):
    """Each line reaches on_line as it was (spaces, '\\r' kept), invalid UTF-8 replaced, the last line without a
    newline too; it returns the exit code and standard error as text. The program's standard input is empty."""
    fake = sink()
    async with Programs() as programs:
        program = programs.plan(
            check_stdin(PATIENCE), out(STDOUT), err("warning: ä\n"), err(b"\xff tail"), exit_with(3)
        )
        outcome = await run(kata.run_command(program.argv, timeout=units(30), on_line=fake))
    expect(
        outcome.returned,
        saw=f"with a program that writes lines and exits with code 3, {outcome.describe()}",
        expected="a tuple (3, standard error as text)",
        mistake=error_mistake(outcome.error),
    )
    expect(
        fake.keys == LINES,
        saw=f"on_line was called with {short(fake.keys)}",
        expected=f"on_line called with each line in turn: {short(LINES)}",
        mistake=lines_mistake(fake.keys, LINES),
    )
    expected = (3, "warning: ä\n\ufffd tail")
    value = tuple(outcome.value) if isinstance(outcome.value, (tuple, list)) else outcome.value
    expect(
        value == expected,
        saw=f"it returned {short(outcome.value)}",
        expected=f"the exit code and standard error decoded as UTF-8 with errors='replace': {short(expected)}",
        mistake="the exit code is process.returncode (or what await process.wait() returns), standard error all "
        "it wrote, decoded (bytes.decode(errors='replace'))"
        if not (isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], str))
        else None,
    )
    stdin = program.run.stdin if program.run else None
    expect(
        stdin is not None and bool(stdin.get("eof")),
        saw=f"the program's standard input ({stdin.get('path') if stdin else '?'}) gave no end of file within "
        f"{seconds(PATIENCE)}",
        expected="standard input from /dev/null: end of file at once",
        mistake="stdin=PIPE left open: a program that reads its input waits for ever. Use "
        "stdin=asyncio.subprocess.DEVNULL",
    )


@pytest.mark.category("correctness")
async def test_long_lines(kata):
    """Lines of 180 KB and 200 KB (longer than a reader's 64 KiB limit) are handed on whole."""
    fake = sink()
    long_line, last = "日" * 60_000, "x" * 200_000  # "日" is 3 bytes in UTF-8: pieces of 64 KiB cut through one
    async with Programs() as programs:
        program = programs.plan(bulk("out", "日", 60_000), out("\nshort\n"), bulk("out", "x", 200_000), exit_with(0))
        outcome = await run(kata.run_command(program.argv, timeout=units(30), on_line=fake))
    expected = [long_line, "short", last]
    expect(
        outcome.returned and fake.keys == expected,
        saw=f"with lines of {len(long_line.encode())} and {len(last)} bytes, {outcome.describe()}; on_line got "
        f"{len(fake.calls)} line(s) of {[len(key) if isinstance(key, str) else key for key in fake.keys]} characters",
        expected="the three lines, whole: 60000, 5 and 200000 characters",
        mistake=error_mistake(outcome.error) or lines_mistake(fake.keys, expected),
    )


# --- as it arrives, never stuck ------------------------------------------------------------------------------------


@pytest.mark.category("concurrency")
async def test_lines_arrive_while_running(kata):
    """Each line reaches on_line while the program still runs: the program waits for it before going on."""
    fake = sink()
    async with Programs() as programs:
        program = programs.plan(
            out("one\n"),
            tell("wrote one"),
            wait_for("one"),
            out("two\n"),
            tell("wrote two"),
            wait_for("two"),
            exit_with(0),
        )
        call = KataCall(kata.run_command(program.argv, timeout=units(30), on_line=fake))
        in_time = []
        for line in ("one", "two"):
            # The program goes on once the line reached on_line, or once the judge has waited long enough.
            await call.until(lambda line=line: program.told(f"wrote {line}") is not None, units(10))
            late = in_time and not in_time[-1]  # the first came late: the second will too, and proves nothing more
            in_time.append(not late and await call.until(lambda line=line: line in fake.keys, PATIENCE))
            program.go(line)
        outcome = await call.outcome()
    expect(
        outcome.returned and fake.keys == ["one", "two"],
        saw=f"{outcome.describe()}; on_line got {short(fake.keys)}",
        expected="on_line called with 'one', then 'two'",
        mistake=error_mistake(outcome.error),
    )
    expect(
        all(in_time),
        saw=f"{in_time.count(False)} of 2 lines had not reached on_line {seconds(PATIENCE)} after the program wrote "
        "it (the program then went on and exited)",
        expected="each line handed to on_line as soon as it arrives, while the program runs",
        mistake="the whole output was read first (communicate(), or read() to the end, or wait() first), and "
        "the lines handed on only once the program had exited: read line by line as the program writes",
    )


@pytest.mark.category("concurrency")
async def test_on_line_awaited_one_at_a_time(kata):
    """Five lines at once, on_line taking a moment each: one call at a time, in line order, each finished
    before the next starts and all finished before it returns."""
    fake = sink(delay=3)
    lines = [f"line {index}" for index in range(5)]
    at_end = AtEnd(fake)
    async with Programs() as programs:
        program = programs.plan(out("".join(f"{line}\n" for line in lines)), exit_with(0))
        outcome = await run(at_end.watch(kata.run_command(program.argv, timeout=units(30), on_line=fake)))
    expect(
        outcome.returned and fake.keys == lines,
        saw=f"{outcome.describe()}; on_line got {short(fake.keys)}",
        expected=f"on_line called with {short(lines)}",
        mistake=error_mistake(outcome.error),
    )
    expect(
        fake.peak == 1 and at_end.outcomes() == ["returned"] * len(lines),
        saw=f"up to {fake.peak} calls of on_line ran at once; when it returned, {at_end.describe(fake, 'on_line')}",
        expected="each call of on_line awaited to its end before the next line is passed on",
        mistake="on_line started as a task for each line (create_task) instead of `await on_line(line)`",
    )


@pytest.mark.category("concurrency")
async def test_megabytes_on_both_streams(kata):
    """640 KiB to standard error, then 640 KiB of lines to standard output, then more to standard error: no
    deadlock, every line and all of standard error come back."""
    fake = sink()
    err_line = "e" * 1023 + "\n"
    out_line = "o" * 32767
    async with Programs() as programs:
        program = programs.plan(
            bulk("err", err_line, 640),
            tell("error written"),
            bulk("out", out_line + "\n", 20),
            tell("output written"),
            err("done\n"),
            exit_with(0),
        )
        call = KataCall(kata.run_command(program.argv, timeout=units(100), on_line=fake))
        # A correct reader takes well under 0.3 s, even on a loaded machine; one stuck never ends. The program's
        # reports say where it was stuck.
        ended = await call.until(lambda: False, units(10)) or call.task.done()
        if not ended:
            call.cancel()
        outcome = await call.outcome()
    stage = (
        "writing standard error, never read"
        if program.told("error written") is None
        else "writing standard output, never read"
        if program.told("output written") is None
        else "done writing"
    )
    expect(
        ended,
        saw=f"after {seconds(units(10))} it had not returned; the program was {stage}",
        expected="both streams read at the same time: the program never waits for a reader",
        mistake="one stream read to its end before the other (or wait() before reading): a pipe holds about 64 "
        "KiB, and a program that fills one waits for ever. Read standard error in a task of its own while you "
        "read standard output (or gather both)",
    )
    expected = (0, err_line * 640 + "done\n")
    value = tuple(outcome.value) if isinstance(outcome.value, (tuple, list)) else None
    expect(
        outcome.returned and fake.keys == [out_line] * 20 and value == expected,
        saw=f"{outcome.describe()}; on_line got {len(fake.calls)} line(s)",
        expected=f"20 lines of {len(out_line)} characters, and (0, the {len(expected[1])} characters of standard "
        "error)",
        mistake=error_mistake(outcome.error),
    )


@pytest.mark.category("concurrency")
async def test_event_loop_stays_free(kata):
    """While the program runs, the event loop keeps running other tasks: the program writes each line only once
    the loop has had a turn since the last (or 0.3 s after), so code that blocks the loop while it runs holds it
    0.3 s a line."""
    fake = sink()
    async with Programs() as programs:
        lines = ["one", "two", "three"]
        steps = [step for line in lines for step in (out(f"{line}\n"), tell(line), wait_for(line))]
        program = programs.plan(*steps, exit_with(0))
        call = kata.run_command(program.argv, timeout=units(30), on_line=fake)  # first: the sandbox to ping
        async with LoopWatch() as watch:
            going = asyncio.create_task(program.go_on_turns(watch, lines))
            try:
                outcome = await run(call)
            finally:
                going.cancel()
    watch.expect_free()
    expect(
        outcome.returned and fake.keys == ["one", "two", "three"],
        saw=f"{outcome.describe()}; on_line got {short(fake.keys)}",
        expected="on_line called with 'one', 'two', 'three', and (0, '')",
        mistake=error_mistake(outcome.error),
    )


# --- timeouts ------------------------------------------------------------------------------------------------------

TIMEOUT = units(1.5)
# A correct call ends at the timeout, plus a few milliseconds to kill, drain and reap. One that never applies the
# timeout (or only per read, to a program writing a line every 0.05 s; or one waiting for a program it did not
# kill, or whose pipes it did not drain) ends when the program ends by itself, 6 timeouts in (0.9 s), or never.
# The bound, 2 timeouts past the timeout (0.45 s), is 3x the ideal and 2x short of those; the program's state and
# on_line's record back it.
LATE = 2
LIFE = 6
# How long a program that should be killed lives by itself in the other checks (so that none hangs for good).
SHORT_LIFE = units(6)


@dataclass
class TimedOut:
    outcome: Outcome
    ended: bool  # by the bound
    state: str  # the program's state then
    timeout: float
    fake: FakeFetch
    at_end: AtEnd
    programs: Programs

    @property
    def program(self):
        return self.programs.programs[0]


async def run_until_late(kata, plan: Callable[[float], list], **fake_options) -> TimedOut:
    """Run the program `plan(life)` (which tells "ready" once its first line is written) with the timeout, until
    the call ends or the bound has passed (then cancel it). The timeout must find the program running: on a
    machine so loaded that the program took more than half the timeout to write its first line, again with a
    timeout twice as long (at most twice)."""
    timeout = TIMEOUT
    while True:
        fake = sink(**fake_options)
        at_end = AtEnd(fake)
        async with Programs() as programs:
            program = programs.plan(*plan(LIFE * timeout))
            call = KataCall(
                programs.watch_end(at_end.watch(kata.run_command(program.argv, timeout=timeout, on_line=fake)))
            )
            ended = await call.until(lambda: False, timeout + LATE * timeout) or call.task.done()
            state = program.state()  # if it had not ended: the program running, or killed and not reaped
            if not ended:
                call.cancel()
            outcome = await call.outcome()
            programs.note_children(call)
            await expect_no_leaked_tasks(after="the timeout")
        ready = program.told("ready")
        slow = ready is None or ready > call.started + timeout / 2
        if ended and slow and isinstance(outcome.error, TimeoutError) and timeout < 4 * TIMEOUT:
            timeout *= 2
            continue
        return TimedOut(outcome, ended, state, timeout, fake, at_end, programs)


def late_mistake(state: str) -> str:
    if state not in ("gone", "Z"):
        return (
            "the program was never killed (this program ignores SIGTERM: terminate() does not end it; kill() "
            "does), or the timeout was not applied to the whole run: it counts from the start, on_line included "
            "(async with asyncio.timeout(timeout): around everything)"
        )
    return (
        "the program was killed, but then process.wait() waited for ever: wait() returns only once both pipes "
        "are closed, and a pipe nobody reads stays open while its data waits. Read the rest of the output "
        "(communicate(), or read() on both streams) before or while waiting"
    )


def expect_timed_out(run: TimedOut, setting: str) -> None:
    expect(
        run.ended and isinstance(run.outcome.error, TimeoutError),
        saw=f"{setting} and a timeout of {seconds(run.timeout)}, "
        f"{run.outcome.describe() if run.ended else f'it had not ended {seconds(LATE * run.timeout)} after it'}; "
        f"on_line had been called {len(run.fake.calls)} time(s)",
        expected=f"TimeoutError soon after {seconds(run.timeout)}",
        mistake=late_mistake(run.state)
        if not run.ended
        else "the TimeoutError was caught and something else done: let it propagate"
        if run.outcome.error is None
        else None,
    )


@pytest.mark.category("timeout")
async def test_timeout_kills_the_program(kata):
    """A program that writes a line every 0.05 s: TimeoutError after 0.15 s, the program killed and reaped by
    then."""

    def plan(life: float) -> list:
        tick = units(0.5)
        ticks = [step for index in range(1, int(life / tick)) for step in (pause(tick), out(f"tick {index}\n"))]
        return [out("tick 0\n"), tell("ready"), *ticks, exit_with(0)]

    run = await run_until_late(kata, plan)
    expect_timed_out(run, "with a program writing a line every 0.05 s")
    run.programs.expect_reaped(run.program, how=run.outcome.describe())


@pytest.mark.category("timeout")
async def test_timeout_cancels_on_line_and_drains(kata):
    """on_line never finishes with the first line, and a megabyte waits in the pipes: at the timeout on_line is
    cancelled, the program killed, its output drained, the program reaped, and TimeoutError raised."""

    def plan(life: float) -> list:
        rest = [bulk("out", "x" * 1023 + "\n", 1024), bulk("err", "y" * 1023 + "\n", 512)]
        return [out("first\n"), tell("ready"), *rest, pause(life), exit_with(0)]

    run = await run_until_late(kata, plan, ticks=False, delays={"first": math.inf})
    expect_timed_out(run, "with on_line never finishing, a megabyte waiting in the pipes")
    expect(
        run.at_end.outcomes() == ["cancelled"],
        saw=f"when it ended, {run.at_end.describe(run.fake, 'on_line')}",
        expected="on_line called once, with 'first', and cancelled (its cleanup over) by the time it ends",
        mistake="the timeout must cover on_line too, and cancel it: one asyncio.timeout around the whole reading "
        "loop, on_line included, with nothing shielded or left in a task",
    )
    run.programs.expect_reaped(run.program, how=run.outcome.describe())


# --- errors and cancellation ---------------------------------------------------------------------------------------


@pytest.mark.category("exceptions")
async def test_cancelled_midway(kata):
    """Cancelled while on_line handles the first line: on_line cancelled, the program killed and reaped, and
    the call ends cancelled."""
    fake = sink(ticks=False, delays={"first": math.inf})
    at_end = AtEnd(fake)
    async with Programs() as programs:
        program = programs.plan(out("first\n"), tell("ready"), pause(SHORT_LIFE), exit_with(0))
        call = KataCall(
            programs.watch_end(at_end.watch(kata.run_command(program.argv, timeout=units(30), on_line=fake)))
        )
        await call.until(lambda: program.told("ready") is not None, units(10))
        called = await call.until(lambda: bool(fake.calls), PATIENCE)
        call.cancel()  # whatever happened: a call left running would hold the check up
        outcome = await call.outcome()
        programs.note_children(call)
        await expect_no_leaked_tasks(after="the cancellation")
    expect(
        called,
        saw=f"on_line not called within {seconds(PATIENCE)} of the program writing its first line; when cancelled, "
        f"{outcome.describe()}",
        expected="on_line called with the first line while the program runs",
        mistake="the output was read to its end before any line was handed on: read line by line as it comes",
    )
    expect(
        outcome.cancelled,
        saw=f"cancelled while on_line ran, {outcome.describe()}",
        expected="it ends cancelled (CancelledError propagates), once the program is killed and reaped",
        mistake=swallowed(
            outcome,
            "the CancelledError was caught and not raised again: clean up in a finally: "
            "block (or re-raise after cleaning up)",
        ),
    )
    expect(
        at_end.outcomes() == ["cancelled"],
        saw=f"when it ended, {at_end.describe(fake, 'on_line')}",
        expected="on_line cancelled, its cleanup over, by the time it ends",
        mistake="on_line was left running: a task of its own nobody cancelled, or shielded",
    )
    programs.expect_reaped(program, how=outcome.describe())


@pytest.mark.category("exceptions")
async def test_on_line_error_propagates(kata):
    """on_line raises on the second line: that very exception comes out, once the program is killed and reaped."""
    error = LineError("cannot handle 'second'")
    fake = sink(errors={"second": error})
    async with Programs() as programs:
        program = programs.plan(out("first\nsecond\nthird\n"), pause(PATIENCE), exit_with(0))
        async with LoopErrors() as loop_errors:
            call = KataCall(programs.watch_end(kata.run_command(program.argv, timeout=units(30), on_line=fake)))
            outcome = await call.outcome()
            programs.note_children(call)
        await expect_no_leaked_tasks(after="on_line's exception")
    expect(
        outcome.error is error,
        saw=f"on_line raised LineError on the second line; {outcome.describe()}",
        expected="that very LineError raised, as it is",
        mistake="the exception was caught (or wrapped in an ExceptionGroup by a TaskGroup): clean up in a "
        "finally: block and let it propagate"
        if not isinstance(outcome.error, BaseExceptionGroup)
        else "a TaskGroup wraps it in an ExceptionGroup: take the exception out of the group and raise it as it is",
    )
    programs.expect_reaped(program, how=outcome.describe())
    loop_errors.expect_none()


@pytest.mark.category("exceptions")
async def test_missing_program(kata):
    """A program that does not exist: FileNotFoundError comes out as it is."""
    fake = sink()
    async with Programs() as programs:
        outcome = await run(kata.run_command(programs.missing(), timeout=units(30), on_line=fake))
        await expect_no_leaked_tasks(after="the failed start")
    expect(
        isinstance(outcome.error, FileNotFoundError),
        saw=f"running a program that does not exist, {outcome.describe()}",
        expected="FileNotFoundError, raised as it is",
        mistake="the error of the start was caught, or replaced: let the OSError propagate"
        if not isinstance(outcome.error, OSError)
        else error_mistake(outcome.error),
    )
