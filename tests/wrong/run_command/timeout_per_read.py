"""Applies the timeout to each read: a program that writes a line now and then is never stopped."""

import asyncio
import contextlib

CAUGHT_IN = "timeout"


async def run_command(argv, *, timeout, on_line):
    process = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    errors = asyncio.ensure_future(process.stderr.read())
    try:
        pending = b""
        while chunk := await asyncio.wait_for(process.stdout.read(65536), timeout):
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                await asyncio.wait_for(on_line(line.decode(errors="replace")), timeout)
        if pending:
            await on_line(pending.decode(errors="replace"))
        code = await process.wait()
        return code, (await errors).decode(errors="replace")
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        await asyncio.gather(process.stdout.read(), errors, return_exceptions=True)
        await process.wait()
