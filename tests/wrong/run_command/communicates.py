"""Reads the whole output with communicate(), then hands the lines on: only once the program has exited."""

import asyncio
import contextlib

CAUGHT_IN = "concurrency"


async def run_command(argv, *, timeout, on_line):
    process = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        async with asyncio.timeout(timeout):
            stdout, stderr = await process.communicate()
            lines = stdout.split(b"\n")
            if lines[-1] == b"":
                lines.pop()
            for line in lines:
                await on_line(line.decode(errors="replace"))
            return process.returncode, stderr.decode(errors="replace")
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.communicate()
