"""Reads both streams in a TaskGroup: right, except that on_line's exception comes out in an ExceptionGroup."""

import asyncio
import contextlib

CAUGHT_IN = "exceptions"


async def run_command(argv, *, timeout, on_line):
    process = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )

    async def lines():
        pending = b""
        while chunk := await process.stdout.read(65536):
            *complete, pending = (pending + chunk).split(b"\n")
            for line in complete:
                await on_line(line.decode(errors="replace"))
        if pending:
            await on_line(pending.decode(errors="replace"))

    try:
        async with asyncio.timeout(timeout):
            async with asyncio.TaskGroup() as group:
                group.create_task(lines())
                errors = group.create_task(process.stderr.read())
            return await process.wait(), errors.result().decode(errors="replace")
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        await process.communicate()
