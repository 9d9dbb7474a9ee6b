"""Kata: run a program, line by line, under a time limit.

`asyncio.create_subprocess_exec(program, *args, stdout=PIPE, stderr=PIPE)` starts a program without a shell
and gives you a `Process` whose `stdout` and `stderr` are StreamReaders: the event loop reads them while your
coroutines wait, so you can act on each line the moment the program writes it, long before it exits.

Programs are the edge where asyncio meets the operating system, and it is unforgiving. A pipe holds about
64 KiB: a program that fills one blocks until someone reads it, so both streams must be read at the same time
(reading all of standard output, then standard error, deadlocks when the program writes a lot to standard error
first). A program outlives the coroutine that started it unless you end it: on a timeout, an error or a
cancellation, kill it, read what is left in its pipes, and wait for it (`await process.wait()`), or it lingers
as a zombie. And `readline()` refuses lines longer than the reader's limit (64 KiB by default).
"""


async def run_command(argv, *, timeout, on_line):
    """Run the program `argv`, pass each line of its standard output to `on_line` as it arrives, and return its
    exit code and what it wrote to standard error; kill it if it takes longer than `timeout` seconds.

    Contract:
    - `argv` is a list: the program and its arguments, run without a shell, standard input from `/dev/null`
      (`stdin=asyncio.subprocess.DEVNULL`).
    - Every line of its standard output is passed to `await on_line(line)` as soon as it arrives, while the
      program runs (not once it has exited), each call awaited before the next line is passed, in order:
      the text without its `"\\n"` (a `"\\r"` stays; nothing else is stripped), decoded as UTF-8 with
      `errors="replace"`. A last line without a `"\\n"` is passed too. Lines may be longer than 64 KiB.
    - Returns `(exit_code, stderr_text)`: the program's exit code and everything it wrote to standard error,
      decoded as UTF-8 with `errors="replace"`. Output of any size on both streams at once never deadlocks.
    - `timeout` counts from the start, time spent in `on_line` included. When it passes: a running `on_line`
      is cancelled, the program is killed (SIGKILL: `process.kill()`), the rest of its output is read and
      dropped, the program is waited for (reaped), and `TimeoutError` is raised.
    - Cancelled, or `on_line` raising: the same (kill, drain, wait), then end cancelled or raise that very
      exception. A program that cannot start: its `OSError` (e.g. `FileNotFoundError`) propagates as it is.
    - When it returns or raises, the program has ended and been waited for, and nothing it started is running.

    Example:
        async def show(line):
            print("got", line)

        await run_command(["python3", "-c", "print('a'); print('b'); exit(3)"], timeout=5, on_line=show)
        # prints "got a", "got b"; returns (3, "")

    Worth reading: asyncio subprocesses: create_subprocess_exec, Process.kill and Process.wait, and the warning
    about deadlocks (https://docs.python.org/3/library/asyncio-subprocess.html); StreamReader.read and
    readuntil (https://docs.python.org/3/library/asyncio-stream.html#streamreader); asyncio.timeout
    (https://docs.python.org/3/library/asyncio-task.html#timeouts).
    """
    raise NotImplementedError
