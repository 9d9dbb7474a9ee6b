"""Catches what on_line raises and goes on with the next line, so the caller never hears of it."""

import asyncio
import contextlib

CAUGHT_IN = "exceptions"


async def run_command(argv, *, timeout, on_line):
    process = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    errors = asyncio.ensure_future(process.stderr.read())

    async def hand_on(data):
        try:
            await on_line(data.decode(errors="replace"))
        except Exception as error:  # noqa: BLE001
            print("on_line failed:", error)

    try:
        async with asyncio.timeout(timeout):
            pending = b""
            while chunk := await process.stdout.read(65536):
                *lines, pending = (pending + chunk).split(b"\n")
                for line in lines:
                    await hand_on(line)
            if pending:
                await hand_on(pending)
            code = await process.wait()
            return code, (await errors).decode(errors="replace")
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        await asyncio.gather(process.stdout.read(), errors, return_exceptions=True)
        await process.wait()
