"""Reads lines with `async for line in process.stdout`: a line longer than 64 KiB raises ValueError."""

import asyncio
import contextlib

CAUGHT_IN = "correctness"


async def run_command(argv, *, timeout, on_line):
    process = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    errors = asyncio.ensure_future(process.stderr.read())
    try:
        async with asyncio.timeout(timeout):
            async for line in process.stdout:
                await on_line(line.removesuffix(b"\n").decode(errors="replace"))
            code = await process.wait()
            return code, (await errors).decode(errors="replace")
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        await asyncio.gather(process.stdout.read(), errors, return_exceptions=True)
        await process.wait()
