"""Starts on_line as a task for each line, all at once, and gathers them at the end."""

import asyncio
import contextlib

CAUGHT_IN = "concurrency"


async def run_command(argv, *, timeout, on_line):
    process = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    errors = asyncio.ensure_future(process.stderr.read())
    handling = []
    try:
        async with asyncio.timeout(timeout):
            pending = b""
            while chunk := await process.stdout.read(65536):
                *lines, pending = (pending + chunk).split(b"\n")
                for line in lines:
                    handling.append(asyncio.create_task(on_line(line.decode(errors="replace"))))
            if pending:
                handling.append(asyncio.create_task(on_line(pending.decode(errors="replace"))))
            await asyncio.gather(*handling)
            code = await process.wait()
            return code, (await errors).decode(errors="replace")
    finally:
        for task in handling:
            task.cancel()
        await asyncio.gather(*handling, return_exceptions=True)
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        await asyncio.gather(process.stdout.read(), errors, return_exceptions=True)
        await process.wait()
