"""Opens a pipe to the program's standard input and never closes it: a program that reads its input waits."""

import asyncio
import contextlib

CAUGHT_IN = "correctness"


async def run_command(argv, *, timeout, on_line):
    process = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
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
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        await asyncio.gather(process.stdout.read(), errors, return_exceptions=True)
        await process.wait()
