"""Reads standard output to its end, then standard error: a program that fills its standard error pipe first
waits for ever."""

import asyncio
import contextlib

CAUGHT_IN = "concurrency"


async def run_command(argv, *, timeout, on_line):
    process = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        async with asyncio.timeout(timeout):
            pending = b""
            while chunk := await process.stdout.read(65536):
                *lines, pending = (pending + chunk).split(b"\n")
                for line in lines:
                    await on_line(line.decode(errors="replace"))
            if pending:
                await on_line(pending.decode(errors="replace"))
            stderr = await process.stderr.read()
            return await process.wait(), stderr.decode(errors="replace")
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        await process.communicate()
