"""Kills the program on a timeout, an error or a cancellation, but never waits for it: it is left a zombie."""

import asyncio
import contextlib

CAUGHT_IN = "timeout"


async def run_command(argv, *, timeout, on_line):
    process = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    errors = asyncio.ensure_future(process.stderr.read())
    try:
        async with asyncio.timeout(timeout):
            pending = b""
            while chunk := await process.stdout.read(65536):
                *lines, pending = (pending + chunk).split(b"\n")
                for line in lines:
                    await on_line(line.decode(errors="replace"))
            if pending:
                await on_line(pending.decode(errors="replace"))
            code = await process.wait()
            return code, (await errors).decode(errors="replace")
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        errors.cancel()
        raise
