"""Runs the program with subprocess.run in the coroutine: the event loop stops until the program exits."""

import subprocess

CAUGHT_IN = "concurrency"


async def run_command(argv, *, timeout, on_line):
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise TimeoutError from None
    lines = done.stdout.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    for line in lines:
        await on_line(line.decode(errors="replace"))
    return done.returncode, done.stderr.decode(errors="replace")
